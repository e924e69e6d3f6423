// The Worker entry: the Hono app for HTTP, and the Durable Object classes the runtime instantiates.
import { createApp } from "./api/app";

export { Doctor } from "./doctor/doctor";
export { DoctorDay } from "./doctor-day/doctor-day";
export { Room } from "./room/room";
export { User } from "./user/user";

export default createApp() satisfies ExportedHandler<Env>;
