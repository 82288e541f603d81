#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/socket.h>
#include <sys/random.h>
#include <netinet/tcp.h>

// accept4 is a GNU extension that Glibc's Swift module does not declare.
extern int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);
