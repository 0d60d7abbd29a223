// libpq, PostgreSQL's own client library (issue 18): synchronous, like the FastCGI programs that
// will use it, and with a pipeline mode for batches in one round trip.
#include <libpq-fe.h>
