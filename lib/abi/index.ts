/** Every hand-written ABI fragment of the toolkit. The compiled contracts' own ABIs are read from artifacts. */
export * from "./guard";
export * from "./modules";
export * from "./proxy";
export * from "./safe";
export * from "./tokens";
