/* Real-program check (scripts/real_programs.py): the Lua 5.4 interpreter, compiled from its own
 * sources, runs a script of tables, sorting, string formatting and patterns, recursion,
 * hashing, math and the garbage collector; its output must be the same natively and
 * under both of Kiln's tiers. Lua's sources are not in this repository; the script
 * downloads them. (No coroutines or errors: Lua raises them with longjmp, which
 * wasm32-wasi lacks, so the wasm build aborts where Lua would longjmp.) */
#include <stdio.h>
#include <stdlib.h>
#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"
static const char *script =
"local t = {}\n"
"for i = 1, 200000 do t[i] = (i * 7919) % 100003 end\n"
"table.sort(t)\n"
"local s = 0 for i = 1, #t, 97 do s = s + t[i] end\n"
"print('sorted sum', s)\n"
"local parts = {}\n"
"for i = 1, 20000 do parts[#parts + 1] = string.format('%d:%x', i, i * i) end\n"
"local str = table.concat(parts, ',')\n"
"print('concat', #str, str:sub(1, 40))\n"
"local count = 0 for a, b in str:gmatch('(%d+):(%x+)') do count = count + #b end\n"
"print('gmatch', count)\n"
"local function fib(n) if n < 2 then return n end return fib(n-1) + fib(n-2) end\n"
"print('fib', fib(27))\n"
"local m = {} for i = 1, 50000 do m['k' .. i] = i * 0.5 end\n"
"local ms = 0 for k, v in pairs(m) do ms = ms + v end print('hash', ms)\n"
"print('math', math.floor(math.sin(1) * 1e6), math.sqrt(2), 7 // 2, 7 % -3, 2^0.5, 1e308 * 10, -0.0)\n"
"print('utf8', utf8.len('kiln\\u{10FFFF}'), utf8.char(955, 8364))\n"
"local ok, err = pcall(function() return 1 + 2 end) print('pcall', ok, err)\n"
"collectgarbage() print('gc', collectgarbage('count') > 0)\n";
int main(void) {
    lua_State *L = luaL_newstate();
    luaL_requiref(L, "_G", luaopen_base, 1); lua_pop(L, 1);
    luaL_requiref(L, "string", luaopen_string, 1); lua_pop(L, 1);
    luaL_requiref(L, "table", luaopen_table, 1); lua_pop(L, 1);
    luaL_requiref(L, "math", luaopen_math, 1); lua_pop(L, 1);
    luaL_requiref(L, "coroutine", luaopen_coroutine, 1); lua_pop(L, 1);
    luaL_requiref(L, "utf8", luaopen_utf8, 1); lua_pop(L, 1);
    if (luaL_dostring(L, script) != LUA_OK) { printf("error: %s\n", lua_tostring(L, -1)); return 1; }
    lua_close(L);
    return 0;
}
