import CBLAS

/// Scalars LAPACK factorises: `Float` (`s…_` routines) and `Double` (`d…_`).
///
/// Each wrapper takes column-major matrices, returns LAPACK's `info` (0 on success, > 0 for a
/// numerical failure the caller turns into a ``LinearAlgebraError``), and runs under the BLAS
/// lock, since LAPACK spends its time in BLAS. A `lwork` of -1 asks for the optimal workspace
/// size, written to `work[0]`.
protocol LAPACKScalar: BLASScalar {
    static func gesv(n: Int32, nrhs: Int32, a: UnsafeMutablePointer<Self>, lda: Int32,
                     ipiv: UnsafeMutablePointer<Int32>, b: UnsafeMutablePointer<Self>, ldb: Int32) -> Int32
    static func getrf(m: Int32, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32,
                      ipiv: UnsafeMutablePointer<Int32>) -> Int32
    static func getri(n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, ipiv: UnsafePointer<Int32>,
                      work: UnsafeMutablePointer<Self>, lwork: Int32) -> Int32
    static func potrf(lower: Bool, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32) -> Int32
    static func geqrf(m: Int32, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, tau: UnsafeMutablePointer<Self>,
                      work: UnsafeMutablePointer<Self>, lwork: Int32) -> Int32
    static func orgqr(m: Int32, n: Int32, k: Int32, a: UnsafeMutablePointer<Self>, lda: Int32,
                      tau: UnsafePointer<Self>, work: UnsafeMutablePointer<Self>, lwork: Int32) -> Int32
    static func gesdd(m: Int32, n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, s: UnsafeMutablePointer<Self>,
                      u: UnsafeMutablePointer<Self>, ldu: Int32, vt: UnsafeMutablePointer<Self>, ldvt: Int32,
                      work: UnsafeMutablePointer<Self>, lwork: Int32, iwork: UnsafeMutablePointer<Int32>) -> Int32
    static func syevd(n: Int32, a: UnsafeMutablePointer<Self>, lda: Int32, w: UnsafeMutablePointer<Self>,
                      work: UnsafeMutablePointer<Self>, lwork: Int32,
                      iwork: UnsafeMutablePointer<Int32>, liwork: Int32) -> Int32
}

/// Fortran CHARACTER arguments, passed by pointer with a hidden length of 1.
private enum Letter {
    static let v = CChar(UInt8(ascii: "V")), s = CChar(UInt8(ascii: "S"))
    static let l = CChar(UInt8(ascii: "L")), u = CChar(UInt8(ascii: "U"))
}

extension LAPACKScalar {
    /// Runs one LAPACK call under the BLAS lock and returns its `info`.
    @inline(__always)
    static func locked(_ body: (inout Int32) -> Void) -> Int32 {
        GEMM.lock.withLock { _ in
            var info: Int32 = 0
            body(&info)
            return info
        }
    }
}

extension Float: LAPACKScalar {
    static func gesv(n: Int32, nrhs: Int32, a: UnsafeMutablePointer<Float>, lda: Int32,
                     ipiv: UnsafeMutablePointer<Int32>, b: UnsafeMutablePointer<Float>, ldb: Int32) -> Int32 {
        var n = n, nrhs = nrhs, lda = lda, ldb = ldb
        return locked { sgesv_(&n, &nrhs, a, &lda, ipiv, b, &ldb, &$0) }
    }
    static func getrf(m: Int32, n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32,
                      ipiv: UnsafeMutablePointer<Int32>) -> Int32 {
        var m = m, n = n, lda = lda
        return locked { sgetrf_(&m, &n, a, &lda, ipiv, &$0) }
    }
    static func getri(n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32, ipiv: UnsafePointer<Int32>,
                      work: UnsafeMutablePointer<Float>, lwork: Int32) -> Int32 {
        var n = n, lda = lda, lwork = lwork
        return locked { sgetri_(&n, a, &lda, ipiv, work, &lwork, &$0) }
    }
    static func potrf(lower: Bool, n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32) -> Int32 {
        var uplo = lower ? Letter.l : Letter.u, n = n, lda = lda
        return locked { spotrf_(&uplo, &n, a, &lda, &$0, 1) }
    }
    static func geqrf(m: Int32, n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32, tau: UnsafeMutablePointer<Float>,
                      work: UnsafeMutablePointer<Float>, lwork: Int32) -> Int32 {
        var m = m, n = n, lda = lda, lwork = lwork
        return locked { sgeqrf_(&m, &n, a, &lda, tau, work, &lwork, &$0) }
    }
    static func orgqr(m: Int32, n: Int32, k: Int32, a: UnsafeMutablePointer<Float>, lda: Int32,
                      tau: UnsafePointer<Float>, work: UnsafeMutablePointer<Float>, lwork: Int32) -> Int32 {
        var m = m, n = n, k = k, lda = lda, lwork = lwork
        return locked { sorgqr_(&m, &n, &k, a, &lda, tau, work, &lwork, &$0) }
    }
    static func gesdd(m: Int32, n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32, s: UnsafeMutablePointer<Float>,
                      u: UnsafeMutablePointer<Float>, ldu: Int32, vt: UnsafeMutablePointer<Float>, ldvt: Int32,
                      work: UnsafeMutablePointer<Float>, lwork: Int32, iwork: UnsafeMutablePointer<Int32>) -> Int32 {
        var jobz = Letter.s, m = m, n = n, lda = lda, ldu = ldu, ldvt = ldvt, lwork = lwork
        return locked { sgesdd_(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, &$0, 1) }
    }
    static func syevd(n: Int32, a: UnsafeMutablePointer<Float>, lda: Int32, w: UnsafeMutablePointer<Float>,
                      work: UnsafeMutablePointer<Float>, lwork: Int32,
                      iwork: UnsafeMutablePointer<Int32>, liwork: Int32) -> Int32 {
        var jobz = Letter.v, uplo = Letter.l, n = n, lda = lda, lwork = lwork, liwork = liwork
        return locked { ssyevd_(&jobz, &uplo, &n, a, &lda, w, work, &lwork, iwork, &liwork, &$0, 1, 1) }
    }
}

extension Double: LAPACKScalar {
    static func gesv(n: Int32, nrhs: Int32, a: UnsafeMutablePointer<Double>, lda: Int32,
                     ipiv: UnsafeMutablePointer<Int32>, b: UnsafeMutablePointer<Double>, ldb: Int32) -> Int32 {
        var n = n, nrhs = nrhs, lda = lda, ldb = ldb
        return locked { dgesv_(&n, &nrhs, a, &lda, ipiv, b, &ldb, &$0) }
    }
    static func getrf(m: Int32, n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32,
                      ipiv: UnsafeMutablePointer<Int32>) -> Int32 {
        var m = m, n = n, lda = lda
        return locked { dgetrf_(&m, &n, a, &lda, ipiv, &$0) }
    }
    static func getri(n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32, ipiv: UnsafePointer<Int32>,
                      work: UnsafeMutablePointer<Double>, lwork: Int32) -> Int32 {
        var n = n, lda = lda, lwork = lwork
        return locked { dgetri_(&n, a, &lda, ipiv, work, &lwork, &$0) }
    }
    static func potrf(lower: Bool, n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32) -> Int32 {
        var uplo = lower ? Letter.l : Letter.u, n = n, lda = lda
        return locked { dpotrf_(&uplo, &n, a, &lda, &$0, 1) }
    }
    static func geqrf(m: Int32, n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32, tau: UnsafeMutablePointer<Double>,
                      work: UnsafeMutablePointer<Double>, lwork: Int32) -> Int32 {
        var m = m, n = n, lda = lda, lwork = lwork
        return locked { dgeqrf_(&m, &n, a, &lda, tau, work, &lwork, &$0) }
    }
    static func orgqr(m: Int32, n: Int32, k: Int32, a: UnsafeMutablePointer<Double>, lda: Int32,
                      tau: UnsafePointer<Double>, work: UnsafeMutablePointer<Double>, lwork: Int32) -> Int32 {
        var m = m, n = n, k = k, lda = lda, lwork = lwork
        return locked { dorgqr_(&m, &n, &k, a, &lda, tau, work, &lwork, &$0) }
    }
    static func gesdd(m: Int32, n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32, s: UnsafeMutablePointer<Double>,
                      u: UnsafeMutablePointer<Double>, ldu: Int32, vt: UnsafeMutablePointer<Double>, ldvt: Int32,
                      work: UnsafeMutablePointer<Double>, lwork: Int32, iwork: UnsafeMutablePointer<Int32>) -> Int32 {
        var jobz = Letter.s, m = m, n = n, lda = lda, ldu = ldu, ldvt = ldvt, lwork = lwork
        return locked { dgesdd_(&jobz, &m, &n, a, &lda, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, &$0, 1) }
    }
    static func syevd(n: Int32, a: UnsafeMutablePointer<Double>, lda: Int32, w: UnsafeMutablePointer<Double>,
                      work: UnsafeMutablePointer<Double>, lwork: Int32,
                      iwork: UnsafeMutablePointer<Int32>, liwork: Int32) -> Int32 {
        var jobz = Letter.v, uplo = Letter.l, n = n, lda = lda, lwork = lwork, liwork = liwork
        return locked { dsyevd_(&jobz, &uplo, &n, a, &lda, w, work, &lwork, iwork, &liwork, &$0, 1, 1) }
    }
}
