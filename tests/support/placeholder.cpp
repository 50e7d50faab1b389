#include "application/ports/clock_port.h"
