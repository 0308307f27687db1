/**
 * Switches V8's optimizing compiler (TurboFan) off for this process. A run lasts ~0.1 s, too short
 * for optimized code to pay back, while compiling it was measured to add ~3.5 MiB (of ~53) to the
 * peak RSS of `tsntpdate -q A B`, with no change in wall time; timestamps do not depend on JS speed
 * (the kernel takes T1 and T4). Most of that code is Node's module loader's, so bin/tsntpdate
 * imports this module before it imports the program.
 */
import { setFlagsFromString } from 'node:v8'

setFlagsFromString('--no-opt')
