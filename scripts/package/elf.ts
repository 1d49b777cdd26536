// Which machine a native binary is for, from its ELF header: a package must never carry an
// addon the device cannot load (dlopen's "wrong ELF class" is the device's first message).
import type { Arch } from './modules.ts';

/** ELF e_machine of each architecture (System V ABI). */
const MACHINE: Record<Arch, number> = { x64: 62, arm64: 183, arm: 40 };
/** ELF class (1 = 32-bit, 2 = 64-bit) of each architecture. */
const CLASS: Record<Arch, number> = { x64: 2, arm64: 2, arm: 1 };

/**
 * The architecture of an ELF file from its first 20 bytes; null for a file that is not a
 * little-endian ELF of one of ARCHES (a macOS or Windows binary, a text file, …).
 */
export function elfArch(head: Uint8Array): Arch | null {
  if (head.length < 20) return null;
  if (head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) return null;
  if (head[5] !== 1) return null; // big-endian
  const machine = head[18]! | (head[19]! << 8);
  for (const [arch, m] of Object.entries(MACHINE) as [Arch, number][]) {
    if (m === machine && CLASS[arch] === head[4]) return arch;
  }
  return null;
}
