#ifndef DECKHAND_CCRYPT_SHIM_H
#define DECKHAND_CCRYPT_SHIM_H
/* libxcrypt (Debian's libcrypt1): the password_hash filter's crypt_rn and crypt_gensalt_rn, as Ansible's. */
#include <crypt.h>
#endif
