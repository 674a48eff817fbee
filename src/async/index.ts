/** The async layer: asyncio's tools on Node's event loop. @module */
export {};
