import { createRequire } from 'node:module';

import type * as CommanderModule from 'commander';

// commander is CommonJS. Requiring it skips the ESM wrapper and Node's scan of its exports, which
// took about 9 ms of the cold start of `tenantctl --help` (Node 20, measured on the 2-core VM).
const commander = createRequire(import.meta.url)('commander') as typeof CommanderModule;

export const { Command, CommanderError, Option } = commander;
export type Command = CommanderModule.Command;
export type CommanderError = CommanderModule.CommanderError;
export type Option = CommanderModule.Option;
