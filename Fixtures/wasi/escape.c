// Tries to reach outside the preopened directory /sandbox: through "..", by an absolute
// path, through a symlink the host placed pointing out, and by creating such a symlink.
// Prints what happened to each; a host file's content is printed if it was read.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void attempt(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("%s: refused (%s)\n", path, strerror(errno));
        return;
    }
    char buffer[64] = {0};
    ssize_t n = read(fd, buffer, sizeof buffer - 1);
    printf("%s: OPENED, read %zd bytes: %s\n", path, n, buffer);
    close(fd);
}

int main(int argc, char **argv) {
    // argv[1]: the absolute host path of the secret file, beside the sandbox.
    attempt("/sandbox/../secret.txt");
    attempt("/sandbox/sub/../../secret.txt");
    attempt(argv[1]);
    attempt("/sandbox/link-out");
    if (symlink(argv[1], "/sandbox/made-link") == 0) {
        attempt("/sandbox/made-link");
    } else {
        printf("symlink made-link: refused (%s)\n", strerror(errno));
    }
    int fd = open("/sandbox/../created-outside.txt", O_CREAT | O_WRONLY, 0644);
    printf("create outside: %s\n", fd < 0 ? "refused" : "CREATED");
    attempt("/sandbox/inside.txt");
    return 0;
}
