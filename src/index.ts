import { run } from "./main.js";
import { actionsIo } from "./shell/actions-io.js";
import { installInterruptHandlers } from "./shell/interrupt.js";

installInterruptHandlers();

process.exitCode = await run({ env: process.env, cwd: process.cwd(), io: actionsIo() });
