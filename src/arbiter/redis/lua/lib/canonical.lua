-- lib/canonical.lua: RFC 8785 (JCS) canonical JSON, built in Lua for VALUES WE CONTROL.
--
-- Not a general JSON encoder: the scripts assemble each document field by field, and the
-- bytes must equal what the TypeScript side computes with the `canonicalize` package
-- (JSON.stringify rules), because the audit chain hashes them. Three top-level locals:
--
--   jcs_string(s)      s: a string of valid UTF-8 -> a JSON string literal, escaped exactly
--                      as JSON.stringify does: \" and \\, control characters below 0x20 as
--                      \b \t \n \f \r or \u00xx (lowercase hex); "/", DEL and every non-ASCII
--                      character pass through as their UTF-8 bytes. Invalid UTF-8 (stray or
--                      truncated bytes, overlong forms, surrogates, > U+10FFFF) is an error:
--                      TypeScript could not reproduce those bytes, so the chain would break.
--   jcs_int(n)         n: an integer number with |n| <= 2^53 -> its decimal digits ("-0" is
--                      "0"). Fractions, NaN, infinities, larger numbers and non-numbers are
--                      errors (JCS prints other numbers in ECMAScript form; we never need it).
--   jcs_object(fields) fields: an array of { key, encodedValue } -> {"k":v,...} with the keys
--                      sorted and no whitespace. Keys are strings of ASCII characters
--                      (asserted), so sorting by bytes equals JCS's sorting by UTF-16 code
--                      units; duplicate keys are an error. encodedValue is canonical JSON
--                      text used verbatim: the result of jcs_string / jcs_int / jcs_object,
--                      "true", "false", "null", or canonical JSON that TypeScript produced
--                      with `canonicalize` and passed in ARGV. The caller's table is not
--                      modified.
--
-- Keys are compared byte by byte, never with "<" on strings: Lua 5.1 compares strings with
-- strcoll, and Redis sets LC_COLLATE from the environment, so "<" depends on the locale.
local jcs_string, jcs_int, jcs_object
do
  local byte, char, find, format, gsub = string.byte, string.char, string.find, string.format, string.gsub
  local concat, sort, floor, min = table.concat, table.sort, math.floor, math.min

  local NEEDS_ESCAPE = '[%z\1-\31"\\]'
  local ESCAPES = { ['"'] = '\\"', ["\\"] = "\\\\", ["\b"] = "\\b", ["\t"] = "\\t", ["\n"] = "\\n",
    ["\f"] = "\\f", ["\r"] = "\\r" }
  for code = 0, 31 do
    local c = char(code)
    if not ESCAPES[c] then
      ESCAPES[c] = format("\\u%04x", code)
    end
  end

  -- Errors unless s is well-formed UTF-8 (RFC 3629). ASCII runs are skipped with find.
  local function check_utf8(s, what)
    local i = find(s, "[\128-\255]")
    local n = #s
    while i do
      local c, c2, c3, c4 = byte(s, i, i + 3)
      local size, lo2, hi2 = 0, 0x80, 0xBF
      if c >= 0xC2 and c <= 0xDF then
        size = 2
      elseif c >= 0xE0 and c <= 0xEF then
        size = 3
        if c == 0xE0 then
          lo2 = 0xA0 -- no overlong forms
        elseif c == 0xED then
          hi2 = 0x9F -- no UTF-16 surrogates
        end
      elseif c >= 0xF0 and c <= 0xF4 then
        size = 4
        if c == 0xF0 then
          lo2 = 0x90 -- no overlong forms
        elseif c == 0xF4 then
          hi2 = 0x8F -- nothing above U+10FFFF
        end
      end
      if size == 0 or i + size - 1 > n or c2 < lo2 or c2 > hi2
        or (size >= 3 and (c3 < 0x80 or c3 > 0xBF))
        or (size == 4 and (c4 < 0x80 or c4 > 0xBF)) then
        error(format("%s: invalid UTF-8 at byte %d", what, i), 3)
      end
      i = find(s, "[\128-\255]", i + size)
    end
  end

  function jcs_string(s)
    if type(s) ~= "string" then
      error("jcs_string: string expected, got " .. type(s), 2)
    end
    check_utf8(s, "jcs_string")
    if find(s, NEEDS_ESCAPE) then
      s = gsub(s, NEEDS_ESCAPE, ESCAPES)
    end
    return '"' .. s .. '"'
  end

  local MAX_INT = 9007199254740992 -- 2^53

  function jcs_int(n)
    if type(n) ~= "number" or n ~= n or n > MAX_INT or n < -MAX_INT or n ~= floor(n) then
      error("jcs_int: integer with |n| <= 2^53 expected, got " .. type(n) .. " " .. tostring(n), 2)
    end
    if n == 0 then
      return "0" -- also for -0, like JSON.stringify
    end
    return format("%.0f", n)
  end

  -- Byte order, independent of the locale (see above).
  local function key_less(p, q)
    local x, y = p[1], q[1]
    for i = 1, min(#x, #y) do
      local bx, by = byte(x, i), byte(y, i)
      if bx ~= by then
        return bx < by
      end
    end
    return #x < #y
  end

  function jcs_object(fields)
    if type(fields) ~= "table" then
      error("jcs_object: array of { key, encodedValue } expected, got " .. type(fields), 2)
    end
    local n = #fields
    local list = {}
    local sorted = true
    for i = 1, n do
      local p = fields[i]
      if type(p) ~= "table" then
        error(format("jcs_object: pair %d is a %s, not { key, encodedValue }", i, type(p)), 2)
      end
      local key, value = p[1], p[2]
      if type(key) ~= "string" or find(key, "[\128-\255]") then
        error(format("jcs_object: key %d must be an ASCII string, got %s", i, tostring(key)), 2)
      end
      if type(value) ~= "string" or value == "" then
        error(format("jcs_object: value of %q must be encoded JSON text, got %s", key,
          type(value)), 2)
      end
      list[i] = p
      if sorted and i > 1 and not key_less(list[i - 1], p) then
        sorted = false
      end
    end
    if not sorted then
      sort(list, key_less)
    end
    local out = {}
    for i = 1, n do
      local p = list[i]
      if i > 1 and p[1] == list[i - 1][1] then
        error(format("jcs_object: duplicate key %q", p[1]), 2)
      end
      out[i] = jcs_string(p[1]) .. ":" .. p[2]
    end
    return "{" .. concat(out, ",") .. "}"
  end
end
