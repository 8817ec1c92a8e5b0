// A WASI reactor (-mexec-model=reactor): no main; _initialize runs the constructors, then
// the host calls exports. `shout` prints through stdio; `leave` calls proc_exit.
#include <stdio.h>
#include <stdlib.h>

static int base;

__attribute__((constructor)) static void setup(void) { base = 40; }

__attribute__((export_name("add_base"))) int add_base(int x) { return base + x; }

__attribute__((export_name("shout"))) void shout(void) {
    printf("reactor initialized, base %d\n", base);
    fflush(stdout);
}

__attribute__((export_name("leave"))) void leave(int code) { exit(code); }
