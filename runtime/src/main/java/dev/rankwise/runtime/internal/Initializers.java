package dev.rankwise.runtime.internal;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;

/**
 * Adapter initialisations computed in Java from a seeded {@link Random}, so they repeat for a seed
 * whatever the engine.
 */
public final class Initializers {

  private Initializers() {}

  /** PEFT's init of a down-projection: Kaiming-uniform with a = √5, that is U(-1/√in, 1/√in). */
  public static NDArray kaimingUniform(NDManager manager, long rows, long in, Random random) {
    double bound = 1 / Math.sqrt(in);
    float[] values = new float[Math.toIntExact(rows * in)];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
    }
    return manager.create(values, new Shape(rows, in));
  }

  /** Gaussian values with the given standard deviation. */
  public static NDArray normal(NDManager manager, Shape shape, double deviation, Random random) {
    float[] values = new float[Math.toIntExact(shape.size())];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (random.nextGaussian() * deviation);
    }
    return manager.create(values, shape);
  }

  /**
   * A {@code rows × columns} matrix with orthonormal rows (when rows ≤ columns) or columns, from
   * Gram–Schmidt on a Gaussian matrix.
   */
  public static NDArray orthogonal(NDManager manager, int rows, int columns, Random random) {
    boolean transpose = rows > columns;
    int count = transpose ? columns : rows;
    int length = transpose ? rows : columns;
    double[][] vectors = new double[count][length];
    for (int i = 0; i < count; i++) {
      do {
        for (int j = 0; j < length; j++) {
          vectors[i][j] = random.nextGaussian();
        }
        for (int k = 0; k < i; k++) {
          double dot = 0;
          for (int j = 0; j < length; j++) {
            dot += vectors[i][j] * vectors[k][j];
          }
          for (int j = 0; j < length; j++) {
            vectors[i][j] -= dot * vectors[k][j];
          }
        }
      } while (!normalise(vectors[i]));
    }
    float[] values = new float[rows * columns];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < columns; c++) {
        values[r * columns + c] = (float) (transpose ? vectors[c][r] : vectors[r][c]);
      }
    }
    return manager.create(values, new Shape(rows, columns));
  }

  private static boolean normalise(double[] vector) {
    double norm = 0;
    for (double value : vector) {
      norm += value * value;
    }
    norm = Math.sqrt(norm);
    if (norm < 1e-6) {
      return false;
    }
    for (int j = 0; j < vector.length; j++) {
      vector[j] /= norm;
    }
    return true;
  }
}
