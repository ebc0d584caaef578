#!/usr/bin/env node
// Launcher of the `commando` CLI. The CLI is TypeScript run without a build
// step, so register tsx's loader before importing its entry file.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
