#ifndef DECKHAND_CLIBSSH2_SHIM_H
#define DECKHAND_CLIBSSH2_SHIM_H
#include <libssh2.h>
#include <libssh2_sftp.h>
/* The session threads wake up on an eventfd (one descriptor per session rather than a pipe's two). */
#include <sys/eventfd.h>
#endif
