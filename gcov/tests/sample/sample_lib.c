/* One function the sample calls and one it never calls. */
int sample_called(int x)
{
    int acc = 0; /* COVERED */

    for (int i = 0; i < x; i++) {
        if (i % 3 == 0)
            acc += i;
        else
            acc -= 1;
    }
    return acc;
}

int sample_never_called(int x)
{
    int acc = x * 7; /* NOT COVERED */

    while (acc > 10)
        acc /= 2;
    return acc;
}
