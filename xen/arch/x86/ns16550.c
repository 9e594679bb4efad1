/* 16550 UART on an I/O port: polled output and input. Polling keeps the
 * console usable from any context, including panic and early boot. */
#include <xen/console.h>
#include <asm/io.h>

#define UART_THR 0
#define UART_RBR 0
#define UART_DLL 0
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7
#define LSR_DR   0x01
#define LSR_THRE 0x20

void ns16550_init(struct serial_port *p)
{
    uint32_t div = p->baud ? 115200 / p->baud : 1;

    /* A port that does not keep a scratch value is not there. */
    outb(p->io + UART_SCR, 0x5a);
    p->present = inb(p->io + UART_SCR) == 0x5a;
    if (!p->present)
        return;
    outb(p->io + UART_IER, 0);
    outb(p->io + UART_LCR, 0x80); /* divisor latch */
    outb(p->io + UART_DLL, div & 0xff);
    outb(p->io + UART_DLM, div >> 8);
    outb(p->io + UART_LCR, 0x03); /* 8n1 */
    outb(p->io + UART_FCR, 0x07); /* enable and clear FIFOs */
    outb(p->io + UART_MCR, 0x03); /* DTR, RTS */
}

void ns16550_putc(struct serial_port *p, char c)
{
    unsigned int spins = 0;

    if (!p->present)
        return;
    /* Bounded wait: a wedged UART must not hang the hypervisor. */
    while (!(inb(p->io + UART_LSR) & LSR_THRE) && ++spins < 1000000)
        ;
    outb(p->io + UART_THR, c);
}

int ns16550_getc(struct serial_port *p)
{
    if (!p->present || !(inb(p->io + UART_LSR) & LSR_DR))
        return -1;
    return inb(p->io + UART_RBR);
}
