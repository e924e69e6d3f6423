// The one place that names User objects: one per account id.
export function userObject(env: Env, userId: string) {
	return env.USER.get(env.USER.idFromName(userId));
}
