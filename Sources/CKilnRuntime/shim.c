#include "CKilnRuntime.h"
