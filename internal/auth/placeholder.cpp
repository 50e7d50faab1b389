#include "application/ports/token_verifier_port.h"
