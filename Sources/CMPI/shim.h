// Open MPI's predefined handles (MPI_COMM_WORLD, MPI_FLOAT, MPI_SUM, ...) are macros that cast
// the address of a global symbol, which Swift cannot import; these inline functions hand them
// over as plain values. Only the handles the Distributed module uses are here.
#ifndef DISTRIBUTED_CMPI_SHIM_H
#define DISTRIBUTED_CMPI_SHIM_H
#include <mpi.h>

static inline MPI_Comm _Nonnull cmpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Errhandler _Nonnull cmpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline void *_Nonnull cmpi_in_place(void) { return MPI_IN_PLACE; }
static inline int cmpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }

static inline MPI_Datatype _Nonnull cmpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype _Nonnull cmpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype _Nonnull cmpi_int32(void) { return MPI_INT32_T; }
static inline MPI_Datatype _Nonnull cmpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Datatype _Nonnull cmpi_byte(void) { return MPI_BYTE; }

static inline MPI_Op _Nonnull cmpi_op_sum(void) { return MPI_SUM; }
static inline MPI_Op _Nonnull cmpi_op_max(void) { return MPI_MAX; }
static inline MPI_Op _Nonnull cmpi_op_min(void) { return MPI_MIN; }

#endif
