#include "infrastructure/memory/system_clock.h"
