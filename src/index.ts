// The Worker entry: the Hono app for HTTP, and the Durable Object class the runtime instantiates.
import { createApp } from "./api/app";

export { DoctorDay } from "./doctor-day/doctor-day";
export { DoctorFeed } from "./doctor-feed/doctor-feed";

export default createApp() satisfies ExportedHandler<Env>;
