package dev.meta4j.weighting;

/**
 * Dense linear algebra on Java doubles for the K-dimensional problems of the gradient-based
 * weighting methods ({@code K} = number of tasks, a handful): symmetric positive definite solves,
 * general solves and a pseudo-inverse. Not meant for large matrices.
 */
final class SmallLinearAlgebra {

    private SmallLinearAlgebra() {}

    /**
     * Solves {@code H x = b} for a symmetric positive (semi)definite {@code H} by a Cholesky
     * factorisation of the diagonally scaled matrix {@code D^-1/2 H D^-1/2} (robust to the very
     * different scales that barrier Hessians have). If the factorisation fails, a growing multiple
     * of the identity is added to the scaled matrix.
     *
     * @param h the matrix, not modified
     * @param rhs right-hand sides as columns: {@code rhs[i][j]} is row {@code i} of column {@code j}
     * @return the solutions, same layout as {@code rhs}
     */
    static double[][] solveSpd(double[][] h, double[][] rhs) {
        int n = h.length;
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            double v = h[i][i];
            d[i] = v > 0 && Double.isFinite(v) ? 1.0 / Math.sqrt(v) : 1.0;
        }
        double[][] s = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                s[i][j] = d[i] * h[i][j] * d[j];
            }
        }
        double[][] l = null;
        for (double jitter = 0; l == null; jitter = jitter == 0 ? 1e-14 : jitter * 100) {
            l = cholesky(s, jitter);
            if (jitter > 1e6) {
                throw new ArithmeticException("matrix is not positive definite");
            }
        }
        int m = rhs[0].length;
        double[][] x = new double[n][m];
        double[] y = new double[n];
        for (int c = 0; c < m; c++) {
            for (int i = 0; i < n; i++) {
                double v = d[i] * rhs[i][c];
                for (int k = 0; k < i; k++) {
                    v -= l[i][k] * y[k];
                }
                y[i] = v / l[i][i];
            }
            for (int i = n - 1; i >= 0; i--) {
                double v = y[i];
                for (int k = i + 1; k < n; k++) {
                    v -= l[k][i] * y[k];
                }
                y[i] = v / l[i][i];
            }
            for (int i = 0; i < n; i++) {
                x[i][c] = d[i] * y[i];
            }
        }
        return x;
    }

    private static double[][] cholesky(double[][] a, double jitter) {
        int n = a.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double v = a[i][j] + (i == j ? jitter : 0);
                for (int k = 0; k < j; k++) {
                    v -= l[i][k] * l[j][k];
                }
                if (i == j) {
                    if (!(v > 0) || !Double.isFinite(v)) {
                        return null;
                    }
                    l[i][i] = Math.sqrt(v);
                } else {
                    l[i][j] = v / l[j][j];
                }
            }
        }
        return l;
    }

    /**
     * The Moore-Penrose pseudo-inverse by a one-sided Jacobi SVD (Hestenes), dropping singular
     * values below {@code rcond} times the largest.
     *
     * @param a an {@code m x n} matrix, not modified
     * @param rcond the relative cut-off
     * @return the {@code n x m} pseudo-inverse
     */
    static double[][] pseudoInverse(double[][] a, double rcond) {
        int m = a.length;
        int n = a[0].length;
        if (m < n) {
            return transpose(pseudoInverse(transpose(a), rcond));
        }
        double[][] u = copy(a);
        double[][] v = identity(n);
        for (int sweep = 0; sweep < 100; sweep++) {
            boolean rotated = false;
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    double alpha = 0;
                    double beta = 0;
                    double gamma = 0;
                    for (int i = 0; i < m; i++) {
                        alpha += u[i][p] * u[i][p];
                        beta += u[i][q] * u[i][q];
                        gamma += u[i][p] * u[i][q];
                    }
                    if (gamma == 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) {
                        continue;
                    }
                    rotated = true;
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.signum(zeta) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
                    if (zeta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(1 + t * t);
                    double s = c * t;
                    rotateColumns(u, p, q, c, s);
                    rotateColumns(v, p, q, c, s);
                }
            }
            if (!rotated) {
                break;
            }
        }
        double[] sigma = new double[n];
        double max = 0;
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int i = 0; i < m; i++) {
                s += u[i][j] * u[i][j];
            }
            sigma[j] = Math.sqrt(s);
            max = Math.max(max, sigma[j]);
        }
        double[][] pinv = new double[n][m];
        for (int j = 0; j < n; j++) {
            if (!(sigma[j] > rcond * max) || sigma[j] == 0) {
                continue;
            }
            double inv2 = 1 / (sigma[j] * sigma[j]); // u[:, j] = sigma_j * (left singular vector)
            for (int r = 0; r < n; r++) {
                double vr = v[r][j] * inv2;
                if (vr == 0) {
                    continue;
                }
                for (int c = 0; c < m; c++) {
                    pinv[r][c] += vr * u[c][j];
                }
            }
        }
        return pinv;
    }

    /**
     * The positive semidefinite matrix nearest to a symmetric one in the Frobenius norm: its
     * eigen-decomposition (cyclic Jacobi) with the negative eigenvalues set to 0. A matrix whose
     * eigenvalues are all {@code >= 0} is returned as it is (the same array), so a Gram matrix that
     * rounding left positive semidefinite is untouched.
     *
     * @param a a symmetric matrix, not modified
     * @return {@code a}, or its projection onto the positive semidefinite cone
     */
    static double[][] nearestPositiveSemidefinite(double[][] a) {
        int n = a.length;
        double[][] d = copy(a);
        double[][] v = identity(n);
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            double scale = 0;
            for (int p = 0; p < n; p++) {
                for (int q = 0; q < n; q++) {
                    scale += d[p][q] * d[p][q];
                    if (p != q) {
                        off += d[p][q] * d[p][q];
                    }
                }
            }
            if (off <= 1e-30 * scale || off == 0) {
                break;
            }
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (d[p][q] == 0) {
                        continue;
                    }
                    double theta = (d[q][q] - d[p][p]) / (2 * d[p][q]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    rotateColumns(d, p, q, c, s);
                    for (int k = 0; k < n; k++) { // rows p, q of D
                        double dpk = d[p][k];
                        double dqk = d[q][k];
                        d[p][k] = c * dpk - s * dqk;
                        d[q][k] = s * dpk + c * dqk;
                    }
                    rotateColumns(v, p, q, c, s);
                }
            }
        }
        boolean negative = false;
        for (int i = 0; i < n; i++) {
            negative |= d[i][i] < 0;
        }
        if (!negative) {
            return a;
        }
        double[][] out = new double[n][n];
        for (int k = 0; k < n; k++) {
            double lambda = Math.max(d[k][k], 0);
            if (lambda == 0) {
                continue;
            }
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    out[i][j] += lambda * v[i][k] * v[j][k];
                }
            }
        }
        for (int i = 0; i < n; i++) { // exactly symmetric
            for (int j = 0; j < i; j++) {
                double m = 0.5 * (out[i][j] + out[j][i]);
                out[i][j] = m;
                out[j][i] = m;
            }
        }
        return out;
    }

    /**
     * Solves {@code A x = b} for a general square {@code A} by Gaussian elimination with partial
     * pivoting, followed by one step of iterative refinement (the residual is formed with the
     * original {@code A}), which recovers most of the digits that a badly scaled system loses.
     *
     * @param a the matrix, not modified
     * @param b the right-hand side, not modified
     * @return the solution, or null when a pivot is exactly zero or the result is not finite
     *     (the matrix is singular to working precision)
     */
    static double[] solve(double[][] a, double[] b) {
        int n = a.length;
        double[][] lu = copy(a);
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        for (int col = 0; col < n; col++) {
            int p = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(lu[r][col]) > Math.abs(lu[p][col])) {
                    p = r;
                }
            }
            if (lu[p][col] == 0) {
                return null;
            }
            double[] rowSwap = lu[p];
            lu[p] = lu[col];
            lu[col] = rowSwap;
            int permSwap = perm[p];
            perm[p] = perm[col];
            perm[col] = permSwap;
            for (int r = col + 1; r < n; r++) {
                double f = lu[r][col] / lu[col][col];
                lu[r][col] = f;
                for (int c = col + 1; c < n; c++) {
                    lu[r][c] -= f * lu[col][c];
                }
            }
        }
        double[] x = substitute(lu, perm, b);
        double[] residual = new double[n];
        for (int i = 0; i < n; i++) {
            residual[i] = b[i] - dot(a[i], x);
        }
        double[] correction = substitute(lu, perm, residual);
        for (int i = 0; i < n; i++) {
            x[i] += correction[i];
            if (!Double.isFinite(x[i])) {
                return null;
            }
        }
        return x;
    }

    /** Forward and back substitution with the packed factors of {@link #solve}. */
    private static double[] substitute(double[][] lu, int[] perm, double[] b) {
        int n = lu.length;
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double s = b[perm[i]];
            for (int j = 0; j < i; j++) {
                s -= lu[i][j] * y[j];
            }
            y[i] = s;
        }
        for (int i = n - 1; i >= 0; i--) {
            double s = y[i];
            for (int j = i + 1; j < n; j++) {
                s -= lu[i][j] * y[j];
            }
            y[i] = s / lu[i][i];
        }
        return y;
    }

    static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }

    static double[] multiply(double[][] a, double[] x) {
        double[] y = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            double s = 0;
            for (int j = 0; j < x.length; j++) {
                s += a[i][j] * x[j];
            }
            y[i] = s;
        }
        return y;
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    static double quadratic(double[][] a, double[] x) {
        return dot(x, multiply(a, x));
    }

    static double norm(double[] a) {
        return Math.sqrt(dot(a, a));
    }

    /** Applies the Givens rotation {@code (c, s)} to columns {@code p} and {@code q} of {@code a}, in place. */
    private static void rotateColumns(double[][] a, int p, int q, double c, double s) {
        for (double[] row : a) {
            double ap = row[p];
            double aq = row[q];
            row[p] = c * ap - s * aq;
            row[q] = s * ap + c * aq;
        }
    }

    private static double[][] copy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }

    private static double[][] identity(int n) {
        double[][] e = new double[n][n];
        for (int i = 0; i < n; i++) {
            e[i][i] = 1;
        }
        return e;
    }
}
