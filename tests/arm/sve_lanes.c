/* The only SVE-compiled code in the tests: kept in its own file (built with the SVE flags) so
 * that main() cannot pick up SVE instructions and fault on a CPU without SVE. */
#include <arm_sve.h>
#include <stddef.h>

size_t arm_sve_lanes(void);
size_t arm_sve_lanes(void) { return svcntw(); }
