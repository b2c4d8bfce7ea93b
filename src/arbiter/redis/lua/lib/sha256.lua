-- lib/sha256.lua: SHA-256 (FIPS 180-4) in pure Lua 5.1 for Redis's scripting engine.
--
-- Redis's Lua has only redis.sha1hex; the audit chain needs SHA-256. This file defines ONE
-- top-level local, everything else stays inside the do-block:
--
--   sha256_hex(msg) -> the SHA-256 of the bytes of msg as 64 lowercase hex digits.
--                      msg is any byte string: binary, UTF-8, empty, several KB.
--
-- Arithmetic. Lua 5.1 numbers are doubles (exact integers up to 2^53). Redis bundles
-- LuaBitOp ("bit"), whose operations reduce their arguments mod 2^32 and return SIGNED
-- 32-bit results. Every word kept in a variable here is normalised to [0, 2^32) with
-- "% 2^32" (Lua's % is floored, so negative sums come out positive); intermediate sums of
-- a handful of 32-bit terms stay far below 2^53, so nothing is ever rounded.
--
-- Speed. The interpreter, not the C calls, dominates, so the hot loops avoid both:
--  * rotations are arithmetic on a normalised word x: with r = x % 2^n,
--      ror(x, n) = (x - r) / 2^n  +  r * 2^(32-n)
--    and since the two parts have disjoint bits, they are passed to bit.bxor as two separate
--    arguments (xor of disjoint values = their sum), so Sigma0 is ONE bxor call;
--    rshift(x, n) = (x - x % 2^n) / 2^n;
--  * Ch(e, f, g) = (e & f) ^ (~e & g) = g + (e & f) - (e & g): disjoint bits again, and
--    ~e & g = g - (e & g). The signed results of band only shift the sum by multiples of
--    2^32, which the "% 2^32" at the end of the round removes;
--  * Maj(a, b, c) = (a + b + c - (a ^ b ^ c)) / 2: per bit, a + b + c = 2 * Maj + parity.
--    The xor must be unsigned here (an extra 2^32 would become 2^31 after halving).
-- Measured inside Redis 7.0 on the dev box: about 21 us per 64-byte block, so ~105 us for a
-- 300-byte event (5 blocks). A fully unrolled variant (W in locals, K inline) was ~10% faster
-- but 500 lines long; not worth it.
local sha256_hex
do
  local band, bxor, tohex = bit.band, bit.bxor, bit.tohex
  local byte, char, rep, sub = string.byte, string.char, string.rep, string.sub
  local floor, concat = math.floor, table.concat
  local M32 = 4294967296

  local K = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  }

  local W = {} -- message schedule, reused by every block (a script runs alone)

  -- Folds the 64-byte block of s that starts at index i into the state H (8 words).
  local function compress(H, s, i)
    local w, k = W, K
    for j = 1, 16 do
      local b1, b2, b3, b4 = byte(s, i, i + 3)
      w[j] = b1 * 16777216 + b2 * 65536 + b3 * 256 + b4
      i = i + 4
    end
    for j = 17, 64 do
      -- sigma0(x) = ror(x, 7) ^ ror(x, 18) ^ (x >> 3); sigma1(y) = ror(y, 17) ^ ror(y, 19) ^ (y >> 10)
      local x, y = w[j - 15], w[j - 2]
      local x7, x18, x3 = x % 128, x % 262144, x % 8
      local y17, y19, y10 = y % 131072, y % 524288, y % 1024
      w[j] = (
        bxor((x - x7) / 128, x7 * 33554432, (x - x18) / 262144, x18 * 16384, (x - x3) / 8)
        + bxor((y - y17) / 131072, y17 * 32768, (y - y19) / 524288, y19 * 8192, (y - y10) / 1024)
        + w[j - 7] + w[j - 16]
      ) % M32
    end
    local a, b, c, d, e, f, g, h = H[1], H[2], H[3], H[4], H[5], H[6], H[7], H[8]
    for j = 1, 64 do
      -- t1 = h + Sigma1(e) + Ch(e, f, g) + K[j] + W[j], Sigma1(e) = ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)
      local e6, e11, e25 = e % 64, e % 2048, e % 33554432
      local t1 = h
        + bxor((e - e6) / 64, e6 * 67108864, (e - e11) / 2048, e11 * 2097152,
          (e - e25) / 33554432, e25 * 128)
        + g + band(e, f) - band(e, g)
        + k[j] + w[j]
      -- t2 = Sigma0(a) + Maj(a, b, c), Sigma0(a) = ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)
      local a2, a13, a22 = a % 4, a % 8192, a % 4194304
      local t2 = bxor((a - a2) / 4, a2 * 1073741824, (a - a13) / 8192, a13 * 524288,
          (a - a22) / 4194304, a22 * 1024)
        + (a + b + c - bxor(a, b, c) % M32) / 2
      h = g
      g = f
      f = e
      e = (d + t1) % M32
      d = c
      c = b
      b = a
      a = (t1 + t2) % M32
    end
    H[1] = (H[1] + a) % M32
    H[2] = (H[2] + b) % M32
    H[3] = (H[3] + c) % M32
    H[4] = (H[4] + d) % M32
    H[5] = (H[5] + e) % M32
    H[6] = (H[6] + f) % M32
    H[7] = (H[7] + g) % M32
    H[8] = (H[8] + h) % M32
  end

  function sha256_hex(msg)
    if type(msg) ~= "string" then
      error("sha256_hex: string expected, got " .. type(msg), 2)
    end
    local H = {
      0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
    }
    local len = #msg
    local full = len - len % 64
    for i = 1, full, 64 do
      compress(H, msg, i)
    end
    -- Padding: the rest of the message, 0x80, zeros up to 56 mod 64, then the length in bits
    -- as a 64-bit big-endian integer (exact: len * 8 < 2^53). One block, or two when the
    -- rest is 56..63 bytes long.
    local bits = len * 8
    local hi, lo = floor(bits / M32), bits % M32
    local tail = concat({
      sub(msg, full + 1),
      "\128",
      rep("\0", (55 - len) % 64),
      char(
        floor(hi / 16777216) % 256, floor(hi / 65536) % 256, floor(hi / 256) % 256, hi % 256,
        floor(lo / 16777216) % 256, floor(lo / 65536) % 256, floor(lo / 256) % 256, lo % 256
      ),
    })
    compress(H, tail, 1)
    if #tail > 64 then
      compress(H, tail, 65)
    end
    return concat({
      tohex(H[1], 8), tohex(H[2], 8), tohex(H[3], 8), tohex(H[4], 8),
      tohex(H[5], 8), tohex(H[6], 8), tohex(H[7], 8), tohex(H[8], 8),
    })
  end
end
