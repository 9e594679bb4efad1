/* Table-driven unit tests of the x86 decoder and emulator.
 *
 * Each case gives the instruction bytes, the state before (registers, memory,
 * mode) and what must differ after. Everything not named in the "after" spec
 * must be unchanged: every register, every flag and every byte of guest
 * memory, and no port I/O may happen unless listed.
 *
 * Spec language (tokens separated by spaces):
 *   mode=64|32|compat|16       processor mode (before only; default 64)
 *   rax=V ... r15=V rip=V fl=V cpl=V cr0=V efer=V
 *   cf=0|1 pf af zf sf of df if  single flags (after)
 *   ds.base=V ds.limit=V ds.attr=V (es cs ss ds fs gs tr)
 *   m8@A=V m16@A=V m32@A=V m64@A=V  memory (maps the page)
 *   map@A  map a zeroed page       ro@A  make a page read-only
 *   force=1  accept the forced-emulation prefix    maxreps=N
 *   crN=V msrval=V                    control register / MSR stand-ins
 *   exc=V or exc=V:EC  an exception (RIP and registers unchanged unless named)
 *   cr2=V  the #PF address    rc=unh|retry
 *   io=LOG  the port I/O log ("o1:80=12,i2:60,")   hlt=1 sti=1
 *   cx=N  atomic cmpxchg callbacks made (0 unless named)
 *   cxfail=1  the cmpxchg callback reports that the memory changed
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <inttypes.h>
#include "harness.h"

struct tcase {
    const char *name;
    const char *code;
    const char *pre;
    const char *post;
};

/* clang-format off */
static const struct tcase cases[] = {
    /* Arithmetic flags: every one of CF PF AF ZF SF OF computed exactly. */
    {"add r32", "01 d8", "rax=1 rbx=2", "rax=3 fl=0x6"},
    {"add r32 signed overflow", "01 d8", "rax=0x7fffffff rbx=1", "rax=0x80000000 fl=0x896"},
    {"add r64 carry out", "48 01 d8", "rax=-1 rbx=1", "rax=0 fl=0x57"},
    {"add r32 zero-extends", "01 d8", "rax=0xffffffff00000001 rbx=1", "rax=2 fl=0x2"},
    {"add r16 keeps upper bits", "66 01 d8", "rax=0x1111111122220001 rbx=0xffff",
     "rax=0x1111111122220000 fl=0x57"},
    {"add al,ah", "00 e0", "rax=0x1234", "rax=0x1246 fl=0x2"},
    {"add al,spl with REX", "40 00 e0", "rax=0x10 rsp=0x5", "rax=0x15 fl=0x2"},
    {"sub borrow", "29 d8", "rax=1 rbx=2", "rax=0xffffffff fl=0x97"},
    {"cmp equal writes nothing", "39 d8", "rax=5 rbx=5", "fl=0x46"},
    {"adc uses CF", "11 d8", "rax=1 rbx=1 fl=0x3", "rax=3 fl=0x6"},
    {"sbb uses CF", "19 d8", "rax=0 rbx=0 fl=0x3", "rax=0xffffffff fl=0x97"},
    {"adc r64 max+max+1", "48 11 d8", "rax=-1 rbx=-1 fl=0x3", "rax=-1 fl=0x97"},
    {"sbb r64 0-max-1", "48 19 d8", "rax=0 rbx=-1 fl=0x3", "rax=0 fl=0x57"},
    {"and clears CF OF", "21 d8", "rax=0xf0 rbx=0x3c fl=0x803", "rax=0x30 fl=0x6"},
    {"or", "09 d8", "rax=0x80000000 rbx=1", "rax=0x80000001 fl=0x82"},
    {"xor self", "31 c0", "rax=0x123", "rax=0 fl=0x46"},
    {"add imm8 sign-extended", "83 c0 ff", "rax=1", "rax=0 fl=0x57"},
    {"sub r64 imm32", "48 81 e8 00 01 00 00", "rax=0x100", "rax=0 fl=0x46"},
    {"cmp byte mem imm", "80 38 05", "rax=0x2000 m8@0x2000=3", "fl=0x93"},
    {"add mem r32 (RMW)", "01 18", "rax=0x2000 rbx=0x10 m32@0x2000=0xfffffff0",
     "m32@0x2000=0 fl=0x47"},
    {"add al imm", "04 80", "rax=0x80", "rax=0 fl=0x847"},
    {"test r/m r", "85 d8", "rax=0xf0 rbx=0x0f fl=0x801", "fl=0x46"},
    {"test al imm", "a8 80", "rax=0x80", "fl=0x82"},
    {"test mem imm (F7 /0)", "f7 00 00 00 00 80", "rax=0x2000 m32@0x2000=0x80000000",
     "fl=0x86"},

    /* Addressing: ModRM, SIB, RIP-relative, REX.X/B, address size. */
    {"rip-relative", "8b 05 f6 0f 00 00", "m32@0x1ffc=0xdeadbeef", "rax=0xdeadbeef"},
    {"sib base+index*4+disp8", "8b 44 8b 04", "rbx=0x2000 rcx=3 m32@0x2010=0x12345678",
     "rax=0x12345678"},
    {"sib no base disp32", "8b 04 8d 00 20 00 00", "rcx=2 m32@0x2008=7", "rax=7"},
    {"r13 base needs disp8", "41 8b 45 00", "r13=0x2000 m32@0x2000=9", "rax=9"},
    {"r12 base needs sib", "41 8b 04 24", "r12=0x2004 m32@0x2004=10", "rax=10"},
    {"REX.X index r9", "42 8b 04 08", "rax=0x2000 r9=0x20 m32@0x2020=11", "rax=11"},
    {"sib index 4 means none", "8b 04 20", "rax=0x2000 rsp=0x100 m32@0x2000=12", "rax=12"},
    {"addr32 truncates", "67 8b 03", "rbx=0xffffffff00002000 m32@0x2000=13", "rax=13"},
    {"disp32 negative", "8b 83 00 f0 ff ff", "rbx=0x3000 m32@0x2000=14", "rax=14"},

    /* MOV forms. */
    {"mov ah,al", "88 c4", "rax=0x12", "rax=0x1212"},
    {"mov byte mem imm", "c6 00 ab", "rax=0x2000 map@0x2000", "m8@0x2000=0xab"},
    {"mov r64 imm32 sign-extended", "48 c7 c0 ff ff ff ff", "", "rax=-1"},
    {"movabs r64 imm64", "48 b8 88 77 66 55 44 33 22 11", "", "rax=0x1122334455667788"},
    {"mov r32 imm zero-extends", "b8 ff ff ff ff", "rax=-1", "rax=0xffffffff"},
    {"mov r16 imm", "66 b8 34 12", "rax=-1", "rax=0xffffffffffff1234"},
    {"mov r11b imm", "41 b3 7f", "r11=0", "r11=0x7f"},
    {"mov eax moffs64", "a1 00 20 00 00 00 00 00 00", "m32@0x2000=0xcafef00d",
     "rax=0xcafef00d"},
    {"mov moffs64 rax", "48 a3 08 20 00 00 00 00 00 00", "rax=0x1122334455667788 map@0x2000",
     "m64@0x2008=0x1122334455667788"},
    {"mov al moffs32 (addr32)", "67 a0 10 20 00 00", "m8@0x2010=0x42", "rax=0x42"},
    {"mov r/m16 sreg", "8c d8", "rax=-1 ds.sel=0x2b", "rax=0x2b"},
    {"mov mem sreg stores 16 bits", "8c 18", "rax=0x2000 ds.sel=0x2b m32@0x2000=0xffffffff",
     "m32@0x2000=0xffff002b"},
    {"movzx r32 r8", "0f b6 c3", "rax=-1 rbx=0xff", "rax=0xff"},
    {"movsx r64 r8", "48 0f be c3", "rbx=0x80", "rax=0xffffffffffffff80"},
    {"movsx r32 r16", "0f bf c3", "rbx=0x8000", "rax=0xffff8000"},
    {"movzx r16 mem8", "66 0f b6 00", "rax=0x2000 m8@0x2000=0x99", "rax=0x99"},
    {"movsxd", "48 63 c3", "rbx=0x80000000", "rax=0xffffffff80000000"},

    /* INC, DEC, NEG, NOT. */
    {"inc keeps CF", "ff c0", "rax=0xffffffff fl=0x3", "rax=0 fl=0x57"},
    {"dec r64", "48 ff c8", "rax=0", "rax=-1 fl=0x96"},
    {"inc byte mem", "fe 00", "rax=0x2000 m8@0x2000=0x7f", "m8@0x2000=0x80 fl=0x892"},
    {"neg", "f7 d8", "rax=1", "rax=0xffffffff fl=0x97"},
    {"neg zero clears CF", "f7 d8", "rax=0 fl=0x3", "fl=0x46"},
    {"not keeps flags", "f7 d0", "rax=0 fl=0x8d7", "rax=0xffffffff"},

    /* Shifts and rotates. */
    {"shl 1", "d1 e0", "rax=0x80000001", "rax=2 fl=0x803"},
    {"shr imm", "c1 e8 04", "rax=0x80", "rax=8 fl=0x2"},
    {"shr 1 OF is old msb", "d1 e8", "rax=0x80000000", "rax=0x40000000 fl=0x806"},
    {"sar 1", "d1 f8", "rax=0x80000001", "rax=0xc0000000 fl=0x87"},
    {"sar byte by 9 fills sign", "c0 f8 09", "rax=0x80", "rax=0xff fl=0x87"},
    {"rol 1", "d1 c0", "rax=0x80000001", "rax=3 fl=0x803"},
    {"ror 1", "d1 c8", "rax=1", "rax=0x80000000 fl=0x803"},
    {"rcl 1", "d1 d0", "rax=0x80000000 fl=0x3", "rax=1 fl=0x803"},
    {"rcr 1", "d1 d8", "rax=1", "rax=0 fl=0x3"},
    {"rcl byte by 9 is identity", "c0 d0 09", "rax=0x5a fl=0x2", "rax=0x5a fl=0x2"},
    {"count 0 keeps flags", "c1 e0 00", "rax=0xffffffff00000001 fl=0x8d7", "rax=1"},
    {"shl byte by 9 gives 0", "c0 e0 09", "rax=0xff", "rax=0 fl=0x46"},
    {"shl r64 count masked to 6 bits", "48 d3 e0", "rax=1 rcx=65", "rax=2 fl=0x2"},
    {"shl mem by cl", "d3 20", "rax=0x2000 rcx=4 m32@0x2000=0x0fffffff",
     "m32@0x2000=0xfffffff0 fl=0x886"},
    {"shld imm", "0f a4 d8 04", "rax=0x0fffffff rbx=0xa0000000", "rax=0xfffffffa fl=0x886"},
    {"shrd cl", "0f ad d8", "rax=0x10 rbx=0x3 rcx=4", "rax=0x30000001 fl=0x2"},

    /* Multiply and divide, #DE. */
    {"mul r32", "f7 e3", "rax=0x80000000 rbx=4", "rax=0 rdx=2 fl=0x847"},
    {"mul r64 max*max", "48 f7 e3", "rax=-1 rbx=-1", "rax=1 rdx=0xfffffffffffffffe fl=0x803"},
    {"imul r64 no overflow", "48 f7 eb", "rax=-2 rbx=3", "rax=-6 rdx=-1 fl=0x86"},
    {"imul r64 overflow", "48 f7 eb", "rax=0x4000000000000000 rbx=2",
     "rax=0x8000000000000000 rdx=0 fl=0x887"},
    {"mul byte", "f6 e3", "rax=0x12345610 rbx=0x10", "rax=0x12340100 fl=0x847"},
    {"imul r32 r/m overflow", "0f af c3", "rax=0x10000 rbx=0x10000", "rax=0 fl=0x847"},
    {"imul r32 imm8", "6b c3 fd", "rbx=5", "rax=0xfffffff1 fl=0x82"},
    {"imul r16 imm16", "66 69 c3 00 01", "rax=-1 rbx=0x100", "rax=0xffffffffffff0000 fl=0x847"},
    {"div r32", "f7 f3", "rax=100 rdx=0 rbx=7", "rax=14 rdx=2"},
    {"div by zero", "f7 f3", "rax=1 rbx=0", "exc=0"},
    {"div quotient overflow", "f7 f3", "rax=0 rdx=1 rbx=1", "exc=0"},
    {"idiv r32", "f7 fb", "rax=0xfffffff9 rdx=0xffffffff rbx=2", "rax=0xfffffffd rdx=0xffffffff"},
    {"idiv r32 INT_MIN/-1", "f7 fb", "rax=0x80000000 rdx=0xffffffff rbx=0xffffffff", "exc=0"},
    {"div r64 128-bit dividend", "48 f7 f3", "rax=0 rdx=1 rbx=2",
     "rax=0x8000000000000000 rdx=0"},
    {"idiv r64", "48 f7 fb", "rax=-10 rdx=-1 rbx=3", "rax=-3 rdx=-1"},
    {"idiv r64 overflow", "48 f7 fb", "rax=0x8000000000000000 rdx=-1 rbx=-1", "exc=0"},
    {"div byte", "f6 f3", "rax=0x0105 rbx=0x10", "rax=0x0510"},
    {"idiv byte -128/-1", "f6 fb", "rax=0xff80 rbx=0xff", "exc=0"},
    {"div mem fault before #DE check", "f7 30", "rax=0x9000", "exc=14:0 cr2=0x9000"},

    /* Exchange and compare-exchange, LOCK. */
    {"xchg mem is atomic", "87 18", "rax=0x2000 rbx=5 m32@0x2000=9", "rbx=9 m32@0x2000=5 cx=1"},
    {"xchg eax,ebx", "93", "rax=1 rbx=2", "rax=2 rbx=1"},
    {"nop is not xchg", "90", "rax=0xffffffff00000001", ""},
    {"xchg r8d,eax zero-extends", "41 90", "rax=0xffffffff00000001 r8=0xffffffff00000002",
     "rax=2 r8=1"},
    {"cmpxchg success", "0f b1 19", "rcx=0x2000 rax=5 rbx=7 m32@0x2000=5",
     "m32@0x2000=7 fl=0x46"},
    {"cmpxchg failure loads rax", "0f b1 19", "rcx=0x2000 rax=5 rbx=7 m32@0x2000=6",
     "rax=6 fl=0x97"},
    {"lock cmpxchg", "f0 0f b1 19", "rcx=0x2000 rax=5 rbx=7 m32@0x2000=5",
     "m32@0x2000=7 fl=0x46 cx=1"},
    {"cmpxchg8b success", "0f c7 0e", "rsi=0x2000 rax=1 rdx=2 rbx=3 rcx=4 m32@0x2000=1 m32@0x2004=2",
     "m32@0x2000=3 m32@0x2004=4 fl=0x42"},
    {"cmpxchg16b misaligned", "48 0f c7 0e", "rsi=0x2008 map@0x2000", "exc=13:0"},
    {"xadd mem", "0f c1 19", "rcx=0x2000 rbx=1 m32@0x2000=2", "rbx=2 m32@0x2000=3 fl=0x6"},
    {"lock xadd", "f0 0f c1 19", "rcx=0x2000 rbx=1 m32@0x2000=2",
     "rbx=2 m32@0x2000=3 fl=0x6 cx=1"},
    {"lock add reg dest is #UD", "f0 01 d8", "rax=1", "exc=6"},
    {"lock nop is #UD", "f0 90", "", "exc=6"},
    {"lock cmp is #UD", "f0 39 18", "rax=0x2000 map@0x2000", "exc=6"},
    {"lock mov is #UD", "f0 89 18", "rax=0x2000 map@0x2000", "exc=6"},
    {"lock add mem", "f0 01 18", "rax=0x2000 rbx=1 m32@0x2000=1", "m32@0x2000=2 fl=0x2 cx=1"},
    /* A LOCKed update that races with another CPU is retried, not half-done. */
    {"lock add racing retries", "f0 01 18", "rax=0x2000 rbx=1 m32@0x2000=1 cxfail=1",
     "rc=retry cx=1"},
    {"lock cmpxchg16b", "f0 48 0f c7 0e",
     "rsi=0x2010 rax=1 rdx=2 rbx=3 rcx=4 m64@0x2010=1 m64@0x2018=2",
     "m64@0x2010=3 m64@0x2018=4 fl=0x42 cx=1"},
    {"lock bts mem", "f0 0f ab 18", "rax=0x2000 rbx=65 m32@0x2008=0", "m32@0x2008=2 cx=1"},
    {"lock not racing", "f0 f7 10", "rax=0x2000 m32@0x2000=0 cxfail=1", "rc=retry cx=1"},

    /* Bit tests. */
    {"bt reg", "0f a3 d8", "rax=0x10 rbx=4", "fl=0x3"},
    {"bts reg offset masked", "0f ab d8", "rax=0 rbx=36", "rax=0x10"},
    {"btr mem reg offset beyond dword", "0f b3 19", "rcx=0x2000 rbx=35 m32@0x2004=0xff",
     "m32@0x2004=0xf7 fl=0x3"},
    {"btc mem negative offset", "0f bb 19", "rcx=0x2000 rbx=0xffffffff map@0x1000",
     "m32@0x1ffc=0x80000000"},
    {"bt mem imm", "0f ba 20 03", "rax=0x2000 m32@0x2000=8", "fl=0x3"},
    {"bt imm offset masked", "0f ba e0 23", "rax=8", "fl=0x3"},
    {"bt /0 is #UD", "0f ba c0 01", "", "exc=6"},
    {"bsf", "0f bc c3", "rbx=0x80", "rax=7"},
    {"bsr", "48 0f bd c3", "rbx=0x8000000000000001", "rax=63"},
    {"bsf zero sets ZF keeps dest", "0f bc c3", "rax=5 rbx=0", "fl=0x42"},
    {"popcnt", "f3 0f b8 c3", "rbx=0xf0f0 fl=0x8d7", "rax=8 fl=0x2"},
    {"bswap r32", "0f c8", "rax=0x11223344", "rax=0x44332211"},
    {"bswap r64", "49 0f c8", "r8=0x1122334455667788", "r8=0x8877665544332211"},

    /* SETcc and CMOVcc. */
    {"sete", "0f 94 c0", "rax=0xff00 fl=0x42", "rax=0xff01"},
    {"setl", "0f 9c c0", "fl=0x82", "rax=1"},
    {"setbe mem", "0f 96 00", "rax=0x2000 fl=0x3 m8@0x2000=0x77", "m8@0x2000=1"},
    {"cmove taken", "0f 44 c3", "rax=1 rbx=2 fl=0x42", "rax=2"},
    {"cmovne not taken zero-extends", "0f 45 c3", "rax=0xffffffff00000001 fl=0x42", "rax=1"},
    {"cmovg mem faults when not taken", "0f 4f 03", "rbx=0x9000 fl=0x42", "exc=14:0 cr2=0x9000"},

    /* Branches. */
    {"je taken", "74 10", "fl=0x42", "rip=0x1012"},
    {"je not taken", "74 10", "", "rip=0x1002"},
    {"jne rel32", "0f 85 00 01 00 00", "", "rip=0x1106"},
    {"jmp to itself", "eb fe", "", "rip=0x1000"},
    {"jmp rel32 backwards", "e9 fb ef ff ff", "", "rip=0"},
    {"call rel32", "e8 00 01 00 00", "rsp=0x3000 map@0x2000",
     "rip=0x1105 rsp=0x2ff8 m64@0x2ff8=0x1005"},
    {"ret", "c3", "rsp=0x2ff8 m64@0x2ff8=0x1234", "rip=0x1234 rsp=0x3000"},
    {"ret imm16", "c2 08 00", "rsp=0x2ff8 m64@0x2ff8=0x1234", "rip=0x1234 rsp=0x3008"},
    {"ret non-canonical", "c3", "rsp=0x2ff8 m64@0x2ff8=0x0000800000000000", "exc=13:0"},
    {"call r64", "ff d0", "rax=0x5000 rsp=0x3000 map@0x2000",
     "rip=0x5000 rsp=0x2ff8 m64@0x2ff8=0x1002"},
    {"jmp r64 non-canonical", "ff e0", "rax=0x0000800000000000", "exc=13:0"},
    {"jmp mem", "ff 20", "rax=0x2000 m64@0x2000=0x4444", "rip=0x4444"},
    {"jrcxz taken", "e3 05", "rcx=0", "rip=0x1007"},
    {"jecxz ignores upper", "67 e3 05", "rcx=0x100000000", "rip=0x1008"},
    {"loop taken", "e2 fe", "rcx=2", "rcx=1 rip=0x1000"},
    {"loop falls through", "e2 fe", "rcx=1", "rcx=0 rip=0x1002"},
    {"loope stops on ZF=0", "e1 fe", "rcx=5", "rcx=4 rip=0x1002"},

    /* Stack. */
    {"push r64", "50", "rsp=0x3000 rax=0x1122 map@0x2000", "rsp=0x2ff8 m64@0x2ff8=0x1122"},
    {"push r16", "66 50", "rsp=0x3000 rax=0x1122 map@0x2000", "rsp=0x2ffe m16@0x2ffe=0x1122"},
    {"pop r15", "41 5f", "rsp=0x2ff8 m64@0x2ff8=5", "r15=5 rsp=0x3000"},
    {"push imm8", "6a ff", "rsp=0x3000 map@0x2000", "rsp=0x2ff8 m64@0x2ff8=-1"},
    {"push imm32", "68 78 56 34 12", "rsp=0x3000 map@0x2000",
     "rsp=0x2ff8 m64@0x2ff8=0x12345678"},
    {"push mem", "ff 30", "rax=0x2000 rsp=0x3000 m64@0x2000=0x99",
     "rsp=0x2ff8 m64@0x2ff8=0x99"},
    {"pop mem", "8f 00", "rax=0x2000 rsp=0x2ff8 m64@0x2ff8=0x55", "rsp=0x3000 m64@0x2000=0x55"},
    {"pop [rsp] uses new rsp", "8f 04 24", "rsp=0x2ff0 m64@0x2ff0=0x77",
     "rsp=0x2ff8 m64@0x2ff8=0x77"},
    {"pushf drops RF", "9c", "rsp=0x3000 fl=0x10246 map@0x2000",
     "rsp=0x2ff8 m64@0x2ff8=0x246 fl=0x246"},
    {"popf at cpl0", "9d", "rsp=0x2ff8 m64@0x2ff8=0x3cd7", "rsp=0x3000 fl=0x3cd7"},
    {"popf at cpl3 keeps IF IOPL", "9d", "rsp=0x2ff8 fl=0x202 cpl=3 m64@0x2ff8=0x3000",
     "rsp=0x3000"},
    {"leave", "c9", "rbp=0x2ff0 rsp=0x2000 m64@0x2ff0=0x1111", "rsp=0x2ff8 rbp=0x1111"},
    {"enter 16,0", "c8 10 00 00", "rsp=0x3000 rbp=0x77 map@0x2000",
     "rsp=0x2fe8 rbp=0x2ff8 m64@0x2ff8=0x77"},
    {"push non-canonical rsp is #SS", "50", "rsp=0x8000000000000008", "exc=12:0"},

    /* LEA. */
    {"lea", "48 8d 44 8b 04", "rbx=0x100 rcx=1", "rax=0x108"},
    {"lea r32 truncates", "8d 04 19", "rcx=0xffffffff rbx=2", "rax=1"},
    {"lea r64 addr32", "67 48 8d 03", "rbx=0x1ffffffff", "rax=0xffffffff"},
    {"lea r16", "66 8d 03", "rax=-1 rbx=0x12345", "rax=0xffffffffffff2345"},
    {"lea reg is #UD", "8d c0", "", "exc=6"},

    /* String instructions. */
    {"rep movsb", "f3 a4", "rsi=0x2000 rdi=0x2100 rcx=4 m32@0x2000=0x44332211",
     "m32@0x2100=0x44332211 rsi=0x2004 rdi=0x2104 rcx=0"},
    {"rep movsq backwards", "f3 48 a5",
     "fl=0x402 rsi=0x2008 rdi=0x2108 rcx=2 m64@0x2008=1 m64@0x2000=2",
     "m64@0x2108=1 m64@0x2100=2 rsi=0x1ff8 rdi=0x20f8 rcx=0"},
    {"rep stosd", "f3 ab", "rax=0xaabbccdd rdi=0x2000 rcx=2 map@0x2000",
     "m32@0x2000=0xaabbccdd m32@0x2004=0xaabbccdd rdi=0x2008 rcx=0"},
    {"lodsb", "ac", "rsi=0x2000 m8@0x2000=0x5a rax=0x1100", "rax=0x115a rsi=0x2001"},
    {"lodsd zero-extends", "ad", "rsi=0x2000 m32@0x2000=0x5a rax=-1", "rax=0x5a rsi=0x2004"},
    {"repe cmpsb stops at difference", "f3 a6",
     "rsi=0x2000 rdi=0x2100 rcx=5 m32@0x2000=0x636261 m32@0x2100=0x646261",
     "rcx=2 rsi=0x2003 rdi=0x2103 fl=0x97"},
    {"repne scasb finds", "f2 ae", "rax=0x63 rdi=0x2000 rcx=10 m32@0x2000=0x636261",
     "rcx=7 rdi=0x2003 fl=0x46"},
    {"rep with rcx 0 does nothing", "f3 a4", "rcx=0 rsi=0x9000 rdi=0x9000", ""},
    {"rep stopped by maxreps", "f3 aa",
     "rax=0x41 rdi=0x2000 rcx=10 maxreps=4 map@0x2000",
     "rip=0x1000 rcx=6 rdi=0x2004 m32@0x2000=0x41414141"},
    {"rep stosb faults midway", "f3 aa", "rax=0x41 rdi=0x2ffe rcx=4 map@0x2000",
     "rcx=2 rdi=0x3000 m16@0x2ffe=0x4141 exc=14:2 cr2=0x3000"},
    {"movsd addr32 wraps", "67 a5", "rsi=0xfffffffc rdi=0x2000 map@0x2000 map@0xfffff000",
     "rsi=0 rdi=0x2004"},
    {"insb", "6c", "rdx=0x60 rdi=0x2000 map@0x2000", "m8@0x2000=0x60 rdi=0x2001 io=i1:60,"},
    {"rep insd", "f3 6d", "rdx=0x71 rdi=0x2000 rcx=2 map@0x2000",
     "m32@0x2000=0x71717171 m32@0x2004=0x71717171 rdi=0x2008 rcx=0 io=i4:71,i4:71,"},
    /* As on hardware, the port is read before the memory write faults. */
    {"insb to unmapped page", "6c", "rdx=0x60 rdi=0x9000", "exc=14:2 cr2=0x9000 io=i1:60,"},
    {"rep outsb", "f3 6e", "rdx=0x3f8 rsi=0x2000 rcx=3 m32@0x2000=0x216968",
     "rsi=0x2003 rcx=0 io=o1:3f8=68,o1:3f8=69,o1:3f8=21,"},
    {"outsw", "66 6f", "rdx=0x80 rsi=0x2000 m16@0x2000=0xbeef", "rsi=0x2002 io=o2:80=beef,"},
    {"outsb fs override", "64 6e", "rdx=0x80 rsi=0x10 fs.base=0x2000 m8@0x2010=0x33",
     "rsi=0x11 io=o1:80=33,"},

    /* Port I/O and its permission checks. */
    {"in al imm", "e4 60", "rax=0xffffffffffffff00", "rax=0xffffffffffffff60 io=i1:60,"},
    {"in eax dx zero-extends", "ed", "rdx=0x1f0 rax=-1", "rax=0xf0f0f0f0 io=i4:1f0,"},
    {"in ax dx keeps upper", "66 ed", "rdx=0x1f0 rax=-1", "rax=0xfffffffffffff0f0 io=i2:1f0,"},
    {"out imm al", "e6 80", "rax=0x12", "io=o1:80=12,"},
    {"out dx ax", "66 ef", "rdx=0xcf8 rax=0x12345678", "io=o2:cf8=5678,"},
    {"out dx eax with REX.W is 32-bit", "48 ef", "rdx=0xcf8 rax=0x1122334455667788",
     "io=o4:cf8=55667788,"},
    {"out at cpl3 allowed by TSS bitmap", "e6 80",
     "rax=0x12 cpl=3 tr.base=0x2000 tr.limit=0x100 m16@0x2066=0x68 m8@0x2078=0xfe",
     "io=o1:80=12,"},
    {"out at cpl3 denied by TSS bitmap", "e6 80",
     "rax=0x12 cpl=3 tr.base=0x2000 tr.limit=0x100 m16@0x2066=0x68 m8@0x2078=0x01",
     "exc=13:0"},
    {"outw at cpl3 denied by second bit", "66 e7 87",
     "cpl=3 tr.base=0x2000 tr.limit=0x100 m16@0x2066=0x68 m8@0x2078=0x00 m8@0x2079=0x01",
     "exc=13:0"},
    {"in at cpl3 without bitmap", "ec", "rdx=0x60 cpl=3 tr.base=0x2000 m16@0x2066=0x68", "exc=13:0"},
    {"in at cpl3 with IOPL 3", "ec", "rdx=0x60 cpl=3 fl=0x3002", "rax=0x60 io=i1:60,"},

    /* System instructions through callbacks. */
    {"cpuid", "0f a2", "rax=0xffffffff00000001 rcx=0 rbx=-1 rdx=-1",
     "rax=0x11111110 rbx=0x22222222 rcx=1 rdx=0x44444444"},
    {"rdmsr", "0f 32", "rcx=0xc0000100 msrval=0x1234567890 rax=-1 rdx=-1",
     "rax=0x34567890 rdx=0x12"},
    {"wrmsr", "0f 30", "rcx=0xc0000100 rax=0x5678 rdx=0x1234", "msrval=0x123400005678"},
    {"rdmsr unknown #GP", "0f 32", "rcx=0x12345", "exc=13:0"},
    {"wrmsr at cpl3 #GP", "0f 30", "rcx=0xc0000100 cpl=3", "exc=13:0"},
    {"mov r64 cr3", "0f 20 d8", "cr3=0x123000", "rax=0x123000"},
    {"mov cr4 r64", "0f 22 e0", "rax=0x6f8", "cr4=0x6f8"},
    {"mov r64 cr8", "44 0f 20 c0", "cr8=0xf", "rax=0xf"},
    {"mov cr5 is #UD", "0f 20 e8", "", "exc=6"},
    {"hlt", "f4", "", "hlt=1"},
    {"hlt at cpl3 #GP", "f4", "cpl=3", "exc=13:0"},
    {"sti shadow", "fb", "", "fl=0x202 sti=1"},
    {"cli", "fa", "fl=0x202", "fl=0x2"},
    {"cli at cpl3 #GP", "fa", "fl=0x202 cpl=3", "exc=13:0"},

    /* Flag instructions and NOPs. */
    {"clc", "f8", "fl=0x3", "fl=0x2"},
    {"stc", "f9", "", "fl=0x3"},
    {"cmc", "f5", "fl=0x3", "fl=0x2"},
    {"cld", "fc", "fl=0x402", "fl=0x2"},
    {"std", "fd", "", "fl=0x402"},
    {"sahf", "9e", "rax=0xff00", "fl=0xd7"},
    {"lahf", "9f", "fl=0x8d7", "rax=0xd700"},
    {"cbw", "66 98", "rax=0x80", "rax=0xff80"},
    {"cdqe", "48 98", "rax=0x80000000", "rax=0xffffffff80000000"},
    {"cqo", "48 99", "rax=0x8000000000000000", "rdx=-1"},
    {"cdq", "99", "rax=0x1 rdx=-1", "rdx=0"},
    {"xlat", "d7", "rbx=0x2000 rax=0x5 m8@0x2005=0x99", "rax=0x99"},
    {"nop 66", "66 90", "", ""},
    {"nop 0f1f /0", "0f 1f 00", "", ""},
    {"nop long", "66 0f 1f 84 00 00 00 00 00", "", ""},
    {"pause", "f3 90", "", ""},

    /* Invalid and unemulated encodings. */
    {"ud2", "0f 0b", "", "exc=6"},
    {"push es invalid in 64-bit", "06", "", "exc=6"},
    {"salc invalid in 64-bit", "d6", "", "exc=6"},
    {"ff /7 is #UD", "ff f8", "", "exc=6"},
    {"c6 /1 is #UD", "c6 c8 00", "", "exc=6"},
    {"ud0", "0f ff c0", "", "exc=6"},
    {"0f 04 is #UD", "0f 04", "", "exc=6"},
    {"mov cs is #UD", "8e c8", "", "exc=6"},
    {"int 0x80 unhandleable", "cd 80", "", "rc=unh"},
    {"syscall unhandleable", "0f 05", "", "rc=unh"},
    {"x87 unhandleable", "d9 c0", "", "rc=unh"},
    {"vex unhandleable", "c5 f8 77", "", "rc=unh"},
    {"sse unhandleable", "0f 10 00", "", "rc=unh"},
    {"15 bytes is fine", "3e 3e 3e 3e 3e 3e 3e 3e 3e 3e 3e 3e 3e 01 d8", "rax=1 rbx=2",
     "rax=3 fl=0x6"},
    {"16 bytes is #GP", "3e 3e 3e 3e 3e 3e 3e 3e 3e 3e 3e 3e 3e 3e 01 d8", "rax=1 rbx=2",
     "exc=13:0"},
    {"REX before legacy prefix is ignored", "48 66 01 d8", "rax=0x10000 rbx=0xffff",
     "rax=0x1ffff fl=0x86"},

    /* Faults: canonical addresses, page faults, instruction fetch. */
    {"non-canonical data #GP", "8b 00", "rax=0x8000000000000000", "exc=13:0"},
    {"non-canonical via rbp #SS", "8b 45 00", "rbp=0x8000000000000000", "exc=12:0"},
    {"access ending past canonical #GP", "8b 00", "rax=0x00007ffffffffffe", "exc=13:0"},
    {"read page fault", "8b 00", "rax=0x9000", "exc=14:0 cr2=0x9000"},
    {"write to read-only page", "89 18", "rax=0x2000 m32@0x2000=1 ro@0x2000",
     "exc=14:3 cr2=0x2000"},
    {"fs base applies in 64-bit", "64 8b 00", "rax=0x10 fs.base=0x2000 m32@0x2010=0x66",
     "rax=0x66"},
    {"ds override ignored in 64-bit", "3e 8b 00", "rax=0x2000 ds.base=0x1000 m32@0x2000=0x67",
     "rax=0x67"},
    {"insn across two pages", "b8 01 00 00 00", "rip=0x1ffd", "rax=1 rip=0x2002"},
    {"insn fetch page fault", "b8", "rip=0x2fff", "exc=14:16 cr2=0x3000"},

    /* Forced-emulation prefix. */
    {"forced add", "0f 0b 78 65 6e 01 d8", "force=1 rax=1 rbx=2", "rax=3 fl=0x6 rip=0x1007"},
    {"forced jmp is relative to its end", "0f 0b 78 65 6e eb 10", "force=1", "rip=0x1017"},
    {"forced fault leaves rip", "0f 0b 78 65 6e 8b 00", "force=1 rax=0x9000",
     "exc=14:0 cr2=0x9000"},
    {"signature without option is #UD", "0f 0b 78 65 6e", "", "exc=6"},
    {"ud2 at a page end with the option is #UD", "0f 0b", "force=1 rip=0x2ffe", "exc=6"},
    {"ud2 without signature", "0f 0b 78 65 6f", "force=1", "exc=6"},
    {"forced 15-byte insn is fine", "0f 0b 78 65 6e 3e 3e 3e 3e 3e 3e 3e 3e 3e 3e 3e 3e 3e 01 d8",
     "force=1 rax=1 rbx=2", "rax=3 fl=0x6 rip=0x1014"},

    /* 32-bit protected mode: segmentation, limits, 16-bit addressing. */
    {"m32 add", "01 d8", "mode=32 rax=1 rbx=2", "rax=3 fl=0x6"},
    {"m32 inc eax is 40", "40", "mode=32 rax=1", "rax=2 fl=0x2"},
    {"m32 dec eax is 48", "48", "mode=32 rax=1", "rax=0 fl=0x46"},
    {"m32 66 b8 is mov ax", "66 b8 34 12", "mode=32", "rax=0x1234"},
    {"m32 ds base", "8b 03", "mode=32 rbx=0x1000 ds.base=0x1000 m32@0x2000=5", "rax=5"},
    {"m32 ds limit #GP", "8b 03", "mode=32 rbx=0xffe ds.limit=0xfff map@0", "exc=13:0"},
    {"m32 ss limit #SS", "8b 45 00", "mode=32 rbp=0x2000 ss.limit=0xfff", "exc=12:0"},
    {"m32 read-only data segment", "89 03", "mode=32 rbx=0x2000 ds.attr=0xc91 map@0x2000",
     "exc=13:0"},
    {"m32 code segment not writable", "2e 89 03", "mode=32 rbx=0x2000 map@0x2000", "exc=13:0"},
    {"m32 cs override reads readable code", "2e 8b 03", "mode=32 rbx=0x2000 m32@0x2000=3",
     "rax=3"},
    {"m32 null segment #GP", "26 8b 03", "mode=32 rbx=0x2000 es.attr=0 map@0x2000", "exc=13:0"},
    {"m32 expand-down", "8b 03", "mode=32 rbx=0x2000 ds.attr=0xc97 ds.limit=0x1fff m32@0x2000=8",
     "rax=8"},
    {"m32 expand-down below limit", "8b 03",
     "mode=32 rbx=0x1000 ds.attr=0xc97 ds.limit=0x1fff map@0x1000", "exc=13:0"},
    {"m32 addr16 bx+si", "67 8b 00", "mode=32 rbx=0x1000 rsi=0x1000 m32@0x2000=9", "rax=9"},
    {"m32 addr16 bp uses ss", "67 8b 46 10", "mode=32 rbp=0xff0 ss.base=0x1000 m32@0x2000=10",
     "rax=10"},
    {"m32 addr16 disp16", "67 8b 06 00 20", "mode=32 m32@0x2000=11", "rax=11"},
    {"m32 push", "50", "mode=32 rsp=0x3000 rax=0x12 map@0x2000", "rsp=0x2ffc m32@0x2ffc=0x12"},
    {"m32 jmp beyond cs limit", "e9 00 00 01 00", "mode=32 cs.limit=0xffff", "exc=13:0"},
    {"m32 call", "e8 10 00 00 00", "mode=32 rsp=0x3000 map@0x2000",
     "rip=0x1015 rsp=0x2ffc m32@0x2ffc=0x1005"},
    {"m32 16-bit stack wraps sp", "50",
     "mode=32 rsp=0x12340000 ss.attr=0x93 rax=7 map@0xf000 map@0x10000",
     "rsp=0x1234fffc m32@0xfffc=7"},
    {"m32 moffs32", "a1 00 20 00 00", "mode=32 m32@0x2000=0x77", "rax=0x77"},
    {"m32 modrm disp32 only", "8b 05 00 20 00 00", "mode=32 rbp=0x100 m32@0x2000=0x78", "rax=0x78"},
    {"m32 rep movsw addr16", "f3 66 67 a5", "mode=32 rsi=0x2000 rdi=0x2010 rcx=0x10001 m32@0x2000=0x12345678",
     "rsi=0x2002 rdi=0x2012 rcx=0x10000 m16@0x2010=0x5678"},
    {"compat 48 is dec", "48", "mode=compat rax=1", "rax=0 fl=0x46"},
    {"compat push", "50", "mode=compat rsp=0x3000 rax=5 map@0x2000",
     "rsp=0x2ffc m32@0x2ffc=5"},

    /* Real mode. */
    {"m16 mov ax imm", "b8 34 12", "mode=16", "rax=0x1234"},
    {"m16 mov eax imm with 66", "66 b8 78 56 34 12", "mode=16", "rax=0x12345678"},
    {"m16 ds base", "8b 07", "mode=16 rbx=0x10 ds.base=0x1ff0 m16@0x2000=0x4321", "rax=0x4321"},
    {"m16 push wraps sp", "50", "mode=16 rsp=0 ss.base=0x2000 rax=0xabcd map@0x2000 map@0x11000",
     "rsp=0xfffe m16@0x11ffe=0xabcd"},
    {"m16 jmp wraps ip", "eb 10", "mode=16 rip=0xfff0 map@0xf000", "rip=0x0002"},
    {"m16 cli allowed", "fa", "mode=16 fl=0x202", "fl=0x2"},
};
/* clang-format on */

/* ---- spec parsing ---- */

struct state {
    struct x86_regs regs;
    struct env env;
    bool force;
    unsigned int maxreps;
    /* expectations */
    int rc;
    int exc_vec;
    int exc_ec; /* -1: none */
    uint64_t cr2;
    bool has_cr2;
    char io[256];
    bool hlt, sti;
    bool rip_set;
};

static const char *const gpr_names[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                          "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
static const char *const seg_names[x86_seg_nr] = {"es", "cs", "ss", "ds", "fs", "gs", "tr"};
static const struct {
    const char *name;
    uint64_t bit;
} flag_names[] = {{"cf", X86_FL_CF}, {"pf", X86_FL_PF}, {"af", X86_FL_AF}, {"zf", X86_FL_ZF},
                  {"sf", X86_FL_SF}, {"of", X86_FL_OF}, {"df", X86_FL_DF}, {"if", X86_FL_IF}};

static int parse_fail(const char *tname, const char *tok, const char *why)
{
    printf("FAIL %s: bad spec token '%s': %s\n", tname, tok, why);
    return -1;
}

static int apply_spec(const char *tname, const char *spec, struct state *st, bool post)
{
    char buf[1024], *save = NULL, *tok;

    if (strlen(spec) >= sizeof(buf))
        return parse_fail(tname, spec, "spec too long");
    strcpy(buf, spec);
    for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(tok, '='), *at = strchr(tok, '@'), *end;
        const char *val = eq ? eq + 1 : "";
        uint64_t v;
        unsigned int k;
        bool done = false;

        if (eq)
            *eq = '\0';
        if (!strcmp(tok, "mode")) {
            if (!strcmp(val, "64"))
                regs_mode64(&st->regs);
            else if (!strcmp(val, "32"))
                regs_mode32(&st->regs);
            else if (!strcmp(val, "compat"))
                regs_compat(&st->regs);
            else if (!strcmp(val, "16"))
                regs_mode16(&st->regs);
            else
                return parse_fail(tname, val, "unknown mode");
            st->regs.rip = 0x1000;
            continue;
        }
        if (!strcmp(tok, "io")) {
            snprintf(st->io, sizeof(st->io), "%s", val);
            continue;
        }
        if (!strcmp(tok, "rc")) {
            st->rc = !strcmp(val, "unh") ? X86EMUL_UNHANDLEABLE : X86EMUL_RETRY;
            continue;
        }
        if (!strcmp(tok, "exc")) {
            st->rc = X86EMUL_EXCEPTION;
            st->exc_vec = (int)strtol(val, &end, 0);
            st->exc_ec = *end == ':' ? (int)strtol(end + 1, NULL, 0) : -1;
            continue;
        }
        if (at) { /* m8@A=V, map@A, ro@A */
            uint64_t a;
            uint8_t b[8];
            unsigned int n;

            *at = '\0';
            a = strtoull(at + 1, &end, 0);
            if (*end)
                return parse_fail(tname, at + 1, "bad address");
            if (!strcmp(tok, "map")) {
                env_map(&st->env, a);
                continue;
            }
            if (!strcmp(tok, "ro")) {
                env_map(&st->env, a)->ro = true;
                continue;
            }
            n = !strcmp(tok, "m8")    ? 1
                : !strcmp(tok, "m16") ? 2
                : !strcmp(tok, "m32") ? 4
                : !strcmp(tok, "m64") ? 8
                                      : 0;
            if (!n || !eq)
                return parse_fail(tname, tok, "expected m8/m16/m32/m64@ADDR=VAL");
            v = strtoull(val, &end, 0);
            for (k = 0; k < n; k++)
                b[k] = (uint8_t)(v >> (8 * k));
            env_map(&st->env, a);
            env_map(&st->env, a + n - 1);
            env_poke(&st->env, a, b, n);
            continue;
        }
        if (!eq)
            return parse_fail(tname, tok, "expected NAME=VALUE");
        v = strtoull(val, &end, 0);
        if (*val == '-')
            v = (uint64_t)strtoll(val, &end, 0);
        if (*end)
            return parse_fail(tname, val, "bad number");
        for (k = 0; k < 16 && !done; k++)
            if (!strcmp(tok, gpr_names[k])) {
                st->regs.gpr[k] = v;
                done = true;
            }
        for (k = 0; k < ARRAY_SIZE(flag_names) && !done; k++)
            if (!strcmp(tok, flag_names[k].name)) {
                st->regs.rflags =
                    v ? st->regs.rflags | flag_names[k].bit : st->regs.rflags & ~flag_names[k].bit;
                done = true;
            }
        for (k = 0; k < x86_seg_nr && !done; k++) {
            size_t l = strlen(seg_names[k]);

            if (!strncmp(tok, seg_names[k], l) && tok[l] == '.') {
                const char *f = tok + l + 1;

                if (!strcmp(f, "base"))
                    st->regs.seg[k].base = v;
                else if (!strcmp(f, "limit"))
                    st->regs.seg[k].limit = (uint32_t)v;
                else if (!strcmp(f, "attr"))
                    st->regs.seg[k].attr = (uint16_t)v;
                else if (!strcmp(f, "sel"))
                    st->regs.seg[k].sel = (uint16_t)v;
                else
                    return parse_fail(tname, tok, "unknown segment field");
                done = true;
            }
        }
        if (done)
            continue;
        if (!strcmp(tok, "rip")) {
            st->regs.rip = v;
            st->rip_set = true;
        } else if (!strcmp(tok, "fl"))
            st->regs.rflags = v;
        else if (!strcmp(tok, "cpl"))
            st->regs.cpl = (uint8_t)v;
        else if (!strcmp(tok, "cr0"))
            st->regs.cr0 = v;
        else if (!strcmp(tok, "efer"))
            st->regs.efer = v;
        else if (!strcmp(tok, "force"))
            st->force = v != 0;
        else if (!strcmp(tok, "maxreps"))
            st->maxreps = (unsigned int)v;
        else if (!strcmp(tok, "cx"))
            st->env.cmpxchgs = (unsigned int)v;
        else if (!strcmp(tok, "cxfail"))
            st->env.cmpxchg_fail = v != 0;
        else if (!strcmp(tok, "msrval"))
            st->env.msr_value = v;
        else if (!strcmp(tok, "cr2")) {
            st->cr2 = v;
            st->has_cr2 = true;
        } else if (!strcmp(tok, "hlt"))
            st->hlt = v;
        else if (!strcmp(tok, "sti"))
            st->sti = v;
        else if (tok[0] == 'c' && tok[1] == 'r' && tok[2] >= '0' && tok[2] <= '8' && !tok[3])
            st->env.crs[tok[2] - '0'] = v;
        else
            return parse_fail(tname, tok, "unknown name");
    }
    (void)post;
    return 0;
}

static int parse_code(const char *tname, const char *code, uint8_t *out, unsigned int *n)
{
    const char *p = code;
    char *end;

    *n = 0;
    while (*p) {
        unsigned long b;

        while (*p == ' ')
            p++;
        if (!*p)
            break;
        b = strtoul(p, &end, 16);
        if (end == p || b > 0xff || *n >= 32)
            return parse_fail(tname, p, "bad code byte");
        out[(*n)++] = (uint8_t)b;
        p = end;
    }
    return 0;
}

/* ---- running and comparing ---- */

static bool compare(const char *tname, const struct state *want, const struct state *got, int rc,
                    const struct x86_emulate_ctxt *ctxt)
{
    bool ok = true;
    unsigned int k, s;

#define MISMATCH(fmt, ...)                                                                         \
    do {                                                                                           \
        printf("FAIL %s: " fmt "\n", tname, __VA_ARGS__);                                          \
        ok = false;                                                                                \
    } while (0)

    if (rc != want->rc)
        MISMATCH("rc %d, expected %d", rc, want->rc);
    if (rc == X86EMUL_EXCEPTION && want->rc == X86EMUL_EXCEPTION) {
        if (ctxt->event.vector != want->exc_vec)
            MISMATCH("vector %u, expected %d", ctxt->event.vector, want->exc_vec);
        if (want->exc_ec >= 0 &&
            (!ctxt->event.has_error_code || ctxt->event.error_code != (uint32_t)want->exc_ec))
            MISMATCH("error code %s%#x, expected %#x", ctxt->event.has_error_code ? "" : "none ",
                     ctxt->event.error_code, want->exc_ec);
        if (want->exc_ec < 0 && ctxt->event.has_error_code)
            MISMATCH("error code %#x, expected none", ctxt->event.error_code);
        if (want->has_cr2 && ctxt->event.cr2 != want->cr2)
            MISMATCH("cr2 %#" PRIx64 ", expected %#" PRIx64, ctxt->event.cr2, want->cr2);
    }
    for (k = 0; k < 16; k++)
        if (got->regs.gpr[k] != want->regs.gpr[k])
            MISMATCH("%s %#" PRIx64 ", expected %#" PRIx64, gpr_names[k], got->regs.gpr[k],
                     want->regs.gpr[k]);
    if (got->regs.rip != want->regs.rip)
        MISMATCH("rip %#" PRIx64 ", expected %#" PRIx64, got->regs.rip, want->regs.rip);
    if (got->regs.rflags != want->regs.rflags)
        MISMATCH("rflags %#" PRIx64 ", expected %#" PRIx64, got->regs.rflags, want->regs.rflags);
    for (s = 0; s < x86_seg_nr; s++)
        if (memcmp(&got->regs.seg[s], &want->regs.seg[s], sizeof(got->regs.seg[s])))
            MISMATCH("segment %s changed", seg_names[s]);
    for (k = 0; k < ENV_PAGES; k++) {
        const struct env_page *w = &want->env.pages[k];
        const struct env_page *g = env_find((struct env *)&got->env, w->va);
        unsigned int b;

        if (!w->used)
            continue;
        if (!g) {
            MISMATCH("page %#" PRIx64 " missing", w->va);
            continue;
        }
        for (b = 0; b < 4096; b++)
            if (g->data[b] != w->data[b]) {
                MISMATCH("memory %#" PRIx64 " = %#x, expected %#x", w->va + b, g->data[b],
                         w->data[b]);
                break;
            }
    }
    if (strcmp(got->env.iolog, want->io))
        MISMATCH("io log '%s', expected '%s'", got->env.iolog, want->io);
    if (memcmp(got->env.crs, want->env.crs, sizeof(got->env.crs)))
        MISMATCH("%s", "control registers differ");
    if (got->env.cmpxchgs != want->env.cmpxchgs)
        MISMATCH("%u atomic cmpxchg calls, expected %u", got->env.cmpxchgs, want->env.cmpxchgs);
    if (got->env.msr_value != want->env.msr_value)
        MISMATCH("msr %#" PRIx64 ", expected %#" PRIx64, got->env.msr_value, want->env.msr_value);
    if (rc == X86EMUL_OKAY && (ctxt->retire.hlt != want->hlt || ctxt->retire.sti != want->sti))
        MISMATCH("retire hlt=%d sti=%d, expected %d %d", ctxt->retire.hlt, ctxt->retire.sti,
                 want->hlt, want->sti);
#undef MISMATCH
    return ok;
}

static bool run_case(const struct tcase *t)
{
    static struct state pre, want, got;
    struct x86_emulate_ctxt ctxt;
    uint8_t code[32];
    unsigned int n, k;
    int rc;

    memset(&pre, 0, sizeof(pre));
    env_init(&pre.env);
    regs_mode64(&pre.regs);
    pre.regs.rip = 0x1000;
    if (parse_code(t->name, t->code, code, &n) || apply_spec(t->name, t->pre, &pre, false))
        return false;
    for (k = 0; k < n; k++)
        env_map(&pre.env, pre.regs.rip + k);
    env_poke(&pre.env, pre.regs.rip, code, n);

    want = pre;
    want.rc = X86EMUL_OKAY;
    want.exc_ec = -1;
    want.rip_set = false;
    if (apply_spec(t->name, t->post, &want, true))
        return false;
    if (!want.rip_set && want.rc == X86EMUL_OKAY)
        want.regs.rip = pre.regs.rip + n;

    got = pre;
    memset(&ctxt, 0, sizeof(ctxt));
    ctxt.regs = &got.regs;
    ctxt.ops = &env_ops;
    ctxt.priv = &got.env;
    ctxt.force_prefix = pre.force;
    ctxt.max_reps = pre.maxreps;
    rc = x86_emulate(&ctxt);
    if (!compare(t->name, &want, &got, rc, &ctxt))
        return false;
    /* Whenever emulation worked, the decoder alone must agree on the length. */
    if (rc == X86EMUL_OKAY) {
        struct x86_regs r = pre.regs;
        unsigned int len;

        ctxt.regs = &r;
        rc = x86_insn_length(&ctxt, &len, NULL);
        if (rc != X86EMUL_OKAY || len != n) {
            printf("FAIL %s: x86_insn_length rc %d len %u, expected %u\n", t->name, rc, len, n);
            return false;
        }
    }
    return true;
}

/* ---- decode-only: lengths and classes of instructions ---- */

struct lcase {
    const char *mode;
    const char *code;
    unsigned int len;
    enum x86_insn_class cls;
};

/* clang-format off */
static const struct lcase lcases[] = {
    {"64", "0f a2", 2, X86_INSN_CPUID},
    {"64", "0f 01 d9", 3, X86_INSN_VMMCALL},
    {"64", "0f 01 c1", 3, X86_INSN_VMCALL},
    {"64", "f4", 1, X86_INSN_HLT},
    {"64", "0f 32", 2, X86_INSN_RDMSR},
    {"64", "0f 30", 2, X86_INSN_WRMSR},
    {"64", "0f 31", 2, X86_INSN_RDTSC},
    {"64", "e4 60", 2, X86_INSN_IN},
    {"64", "66 ef", 2, X86_INSN_OUT},
    {"64", "f3 6c", 2, X86_INSN_INS},
    {"64", "f3 66 6f", 3, X86_INSN_OUTS},
    {"64", "0f 22 d8", 3, X86_INSN_MOV_CR},
    {"64", "0f 01 38", 3, X86_INSN_INVLPG},
    {"64", "f3 90", 2, X86_INSN_PAUSE},
    {"64", "cc", 1, X86_INSN_INT3},
    {"64", "0f 01 d8", 3, X86_INSN_OTHER},
    {"64", "66 0f 1f 84 00 00 00 00 00", 9, X86_INSN_OTHER},
    {"64", "48 b8 01 02 03 04 05 06 07 08", 10, X86_INSN_OTHER},
    {"64", "c8 10 00 01", 4, X86_INSN_OTHER},
    {"64", "f6 c0 12", 3, X86_INSN_OTHER},
    {"64", "f7 c0 01 02 03 04", 6, X86_INSN_OTHER},
    {"64", "66 f7 c0 01 02", 5, X86_INSN_OTHER},
    {"64", "f6 d0", 2, X86_INSN_OTHER},
    {"64", "c7 f8 00 00 00 00", 6, X86_INSN_OTHER},
    {"64", "0f 3a 0f c1 08", 5, X86_INSN_OTHER},
    {"64", "66 0f 38 00 c1", 5, X86_INSN_OTHER},
    {"64", "a1 00 00 00 00 00 00 00 00", 9, X86_INSN_OTHER},
    {"64", "67 a1 00 00 00 00", 6, X86_INSN_OTHER},
    {"64", "8b 04 25 00 00 00 00", 7, X86_INSN_OTHER},
    {"64", "8b 44 24 08", 4, X86_INSN_OTHER},
    {"64", "8b 80 00 00 00 00", 6, X86_INSN_OTHER},
    {"64", "8b 05 00 00 00 00", 6, X86_INSN_OTHER},
    {"64", "f3 0f 1e fa", 4, X86_INSN_OTHER},
    {"64", "66 48 0f 6e c0", 5, X86_INSN_OTHER},
    {"64", "0f 0f c1 b4", 4, X86_INSN_OTHER},
    {"64", "d9 c0", 2, X86_INSN_OTHER},
    {"64", "dd 04 24", 3, X86_INSN_OTHER},
    {"64", "0f ba e0 05", 4, X86_INSN_OTHER},
    {"64", "c1 e0 05", 3, X86_INSN_OTHER},
    {"64", "0f 0b", 2, X86_INSN_UD2},
    {"64", "41 0f 20 c0", 4, X86_INSN_MOV_CR},
    {"32", "a1 00 00 00 00", 5, X86_INSN_OTHER},
    {"32", "9a 00 00 00 00 08 00", 7, X86_INSN_OTHER},
    {"32", "66 9a 00 00 08 00", 6, X86_INSN_OTHER},
    {"32", "ea 00 00 00 00 08 00", 7, X86_INSN_OTHER},
    {"32", "67 8b 46 12", 4, X86_INSN_OTHER},
    {"32", "67 8b 06 34 12", 5, X86_INSN_OTHER},
    {"32", "8b 04 25 00 00 00 00", 7, X86_INSN_OTHER},
    {"32", "c4 00", 2, X86_INSN_OTHER},
    {"16", "a1 00 00", 3, X86_INSN_OTHER},
    {"16", "8b 46 12", 3, X86_INSN_OTHER},
    {"16", "67 8b 44 24 08", 5, X86_INSN_OTHER},
    {"16", "66 8b 44 24", 4, X86_INSN_OTHER},
    {"16", "e8 00 00", 3, X86_INSN_OTHER},
    {"16", "66 e8 00 00 00 00", 6, X86_INSN_OTHER},
};
/* clang-format on */

static bool run_lcase(const struct lcase *t)
{
    static struct state st;
    struct x86_emulate_ctxt ctxt;
    enum x86_insn_class cls;
    uint8_t code[32];
    unsigned int n, len = 0, k;
    int rc;
    char name[128];

    snprintf(name, sizeof(name), "length m%s %s", t->mode, t->code);
    memset(&st, 0, sizeof(st));
    env_init(&st.env);
    regs_mode64(&st.regs);
    if (!strcmp(t->mode, "32"))
        regs_mode32(&st.regs);
    else if (!strcmp(t->mode, "16"))
        regs_mode16(&st.regs);
    st.regs.rip = 0x1000;
    if (parse_code(name, t->code, code, &n))
        return false;
    for (k = 0; k < n; k++)
        env_map(&st.env, 0x1000 + k);
    env_poke(&st.env, 0x1000, code, n);
    memset(&ctxt, 0, sizeof(ctxt));
    ctxt.regs = &st.regs;
    ctxt.ops = &env_ops;
    ctxt.priv = &st.env;
    rc = x86_insn_length(&ctxt, &len, &cls);
    if (rc != X86EMUL_OKAY || len != t->len || cls != t->cls) {
        printf("FAIL %s: rc %d len %u class %d, expected len %u class %d\n", name, rc, len, cls,
               t->len, t->cls);
        return false;
    }
    printf("ok   %s\n", name);
    return true;
}

int main(void)
{
    unsigned int k, pass = 0, fail = 0;

    for (k = 0; k < ARRAY_SIZE(cases); k++) {
        if (run_case(&cases[k])) {
            printf("ok   %s\n", cases[k].name);
            pass++;
        } else
            fail++;
    }
    for (k = 0; k < ARRAY_SIZE(lcases); k++) {
        if (run_lcase(&lcases[k]))
            pass++;
        else
            fail++;
    }
    printf("unit: %u passed, %u failed\n", pass, fail);
    return fail ? 1 : 0;
}
