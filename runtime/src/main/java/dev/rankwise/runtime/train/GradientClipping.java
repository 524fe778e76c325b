package dev.rankwise.runtime.train;

import ai.djl.ndarray.NDArray;
import java.util.List;

/** Global L2-norm gradient clipping, as {@code torch.nn.utils.clip_grad_norm_}. */
final class GradientClipping {

  private GradientClipping() {}

  /** The L2 norm of all gradients taken together. */
  static double globalNorm(List<NDArray> gradients) {
    double squares = 0;
    for (NDArray gradient : gradients) {
      try (NDArray square = gradient.square(); NDArray sum = square.sum()) {
        squares += sum.toType(ai.djl.ndarray.types.DataType.FLOAT64, false).getDouble();
      }
    }
    return Math.sqrt(squares);
  }

  /**
   * Scales the gradients in place so their global norm is at most {@code maxNorm}; does nothing
   * when it already is, or when {@code maxNorm} is 0 (off).
   *
   * @return the global norm before clipping
   */
  static double clip(List<NDArray> gradients, double maxNorm) {
    double norm = globalNorm(gradients);
    if (maxNorm > 0 && norm > maxNorm && Double.isFinite(norm)) {
      double scale = maxNorm / (norm + 1e-6);
      for (NDArray gradient : gradients) {
        try (NDArray factor =
            gradient.getManager().create((float) scale).toType(gradient.getDataType(), false)) {
          gradient.muli(factor);
        }
      }
    }
    return norm;
  }
}
