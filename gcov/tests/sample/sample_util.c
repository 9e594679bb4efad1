/* A switch whose cases run a different number of times, and a function that
 * is never called, so some counter arrays stay all zero. */
int util_classify(int x)
{
    switch (x % 4) {
    case 0:
        return 10;
    case 1:
        return 20;
    case 2:
        return x > 5 ? 30 : 31;
    default:
        return 40;
    }
}

int util_unused(int a, int b)
{
    if (a > b)
        return a - b;
    return b - a;
}
