/* A classic multicast receiver, written as textbooks write it: bind
 * 0.0.0.0:PORT without SO_REUSEADDR, join the group on INADDR_ANY,
 * recvfrom into a zeroed buffer, printf("%s").
 *
 *     cc -o mcast_recv mcast_recv.c
 *     mcast_recv GROUP PORT IDLE_SECONDS
 *
 * Prints "ready" once joined, then "RECV: <text>" for each datagram,
 * until nothing arrives for IDLE_SECONDS: then "idle". Used by
 * docs/INTEROP.md and e2e/TestLabMixedRoom. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

int main(int argc, char **argv) {
	if (argc != 4) {
		fprintf(stderr, "usage: mcast_recv GROUP PORT IDLE_SECONDS\n");
		return 2;
	}
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in addr;
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = htons(atoi(argv[2]));
	addr.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(s, (struct sockaddr *)&addr, sizeof addr) < 0) {
		perror("bind");
		return 1;
	}
	struct ip_mreq mreq;
	mreq.imr_multiaddr.s_addr = inet_addr(argv[1]);
	mreq.imr_interface.s_addr = htonl(INADDR_ANY);
	if (setsockopt(s, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq) < 0) {
		perror("IP_ADD_MEMBERSHIP");
		return 1;
	}
	struct timeval idle = {atoi(argv[3]), 0};
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof idle);
	printf("ready\n");
	fflush(stdout);
	char buf[2048];
	for (;;) {
		memset(buf, 0, sizeof buf);
		if (recvfrom(s, buf, sizeof buf - 1, 0, NULL, NULL) < 0) {
			printf("idle\n");
			return 0;
		}
		printf("RECV: %s\n", buf);
		fflush(stdout);
	}
}
