// The treasury as one deployment: its parameters file (params.ts, on the zod blocks of fields.ts), the Safe setup
// and install calls it implies (setup.ts), and the Ignition deployment (deploy.ts).
export * from "./params";
export * from "./setup";
export * from "./deploy";
