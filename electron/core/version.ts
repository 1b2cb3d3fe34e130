import pkg from '../../package.json' with { type: 'json' };

/** Tidemark's version, recorded in every backup's metadata. */
export const TOOL_VERSION: string = pkg.version;
