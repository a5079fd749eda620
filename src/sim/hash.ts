/**
 * A running 64-bit hash, kept as two 32-bit lanes mixed with MurmurHash3's word step. Only
 * 32-bit integer operations (`Math.imul`, shifts), so the value is the same on every engine and
 * machine; BigInt would be an order of magnitude slower on the kernel's hot path. Not
 * cryptographic: it identifies traces, it does not defend against forgery.
 */
export class Hash64 {
  private h1 = 0x9747b28c;
  private h2 = 0x2f1e6b5d;

  /** Folds one 32-bit word into the hash. */
  word(w: number): void {
    let k = Math.imul(w | 0, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    let h1 = this.h1 ^ k;
    h1 = (h1 << 13) | (h1 >>> 19);
    this.h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    // The second lane also takes the first, so the two halves are not independent copies.
    let h2 = this.h2 ^ Math.imul(k ^ this.h1, 0x85ebca6b);
    h2 = (h2 << 17) | (h2 >>> 15);
    this.h2 = (Math.imul(h2, 0xc2b2ae35) + 0x165667b1) | 0;
  }

  /** 16 lowercase hex digits of the current value (finalised, the state is unchanged). */
  hex(): string {
    return (
      fmix(this.h2 ^ this.h1)
        .toString(16)
        .padStart(8, '0') + fmix(this.h1).toString(16).padStart(8, '0')
    );
  }
}

function fmix(h: number): number {
  let x = h ^ (h >>> 16);
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** 32-bit FNV-1a of a string's UTF-16 code units; used to fold strings into `Hash64`. */
export function hashString32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
