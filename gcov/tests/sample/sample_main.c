/* Sample program for the coverage tests: calls some functions of the other
 * objects, never others, with counts that depend on its arguments. */
#include <stdio.h>
#include <stdlib.h>

int sample_called(int x);
int sample_never_called(int x);
int util_classify(int x);

int main(int argc, char **argv)
{
    long sum = 0;

    for (int i = 1; i < argc; i++) {
        int v = atoi(argv[i]);

        sum += sample_called(v);
        sum += util_classify(v);
    }
    if (argc > 100)
        sum += sample_never_called(argc);
    printf("sum %ld\n", sum);
    return 0;
}
