// File I/O inside the preopened directory /sandbox: create and write a file, seek and
// read it back, overwrite in the middle, list the directory, make and remove a
// subdirectory, rename, read a file the host put there, unlink.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int compare(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void fail(const char *what) {
    printf("FAILED: %s: %s\n", what, strerror(errno));
    exit(1);
}

int main(void) {
    int fd = open("/sandbox/notes.txt", O_CREAT | O_TRUNC | O_RDWR, 0644);
    if (fd < 0) fail("open notes.txt");
    const char text[] = "0123456789abcdef";
    if (write(fd, text, 16) != 16) fail("write");
    if (lseek(fd, 4, SEEK_SET) != 4) fail("lseek SET");
    char buffer[32] = {0};
    if (read(fd, buffer, 6) != 6) fail("read");
    printf("read at 4: %s\n", buffer);
    if (lseek(fd, -3, SEEK_END) != 13) fail("lseek END");
    memset(buffer, 0, sizeof buffer);
    if (read(fd, buffer, 10) != 3) fail("read at end");
    printf("read at 13: %s\n", buffer);
    if (lseek(fd, 8, SEEK_SET) != 8 || write(fd, "XY", 2) != 2) fail("overwrite");
    if (lseek(fd, 0, SEEK_CUR) != 10) fail("lseek CUR");
    struct stat st;
    if (fstat(fd, &st) != 0) fail("fstat");
    printf("size %lld\n", (long long)st.st_size);
    close(fd);

    if (mkdir("/sandbox/sub", 0755) != 0) fail("mkdir");
    if (rename("/sandbox/notes.txt", "/sandbox/sub/renamed.txt") != 0) fail("rename");
    FILE *f = fopen("/sandbox/sub/renamed.txt", "r");
    if (!f || !fgets(buffer, sizeof buffer, f)) fail("fopen renamed");
    fclose(f);
    printf("renamed holds %s\n", buffer);

    f = fopen("/sandbox/from-host.txt", "r");
    if (!f || !fgets(buffer, sizeof buffer, f)) fail("fopen from-host.txt");
    fclose(f);
    printf("host wrote: %s", buffer);

    DIR *dir = opendir("/sandbox");
    if (!dir) fail("opendir");
    char *names[16];
    int count = 0;
    for (struct dirent *e; (e = readdir(dir)) && count < 16;) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names[count++] = strdup(e->d_name);
    }
    closedir(dir);
    qsort(names, count, sizeof *names, compare);
    printf("listing:");
    for (int i = 0; i < count; i++) printf(" %s", names[i]);
    printf("\n");

    if (unlink("/sandbox/sub/renamed.txt") != 0) fail("unlink");
    if (rmdir("/sandbox/sub") != 0) fail("rmdir");
    f = fopen("/sandbox/written-by-guest.txt", "w");
    if (!f) fail("create written-by-guest.txt");
    fputs("the guest was here\n", f);
    fclose(f);
    printf("done\n");
    return 0;
}
