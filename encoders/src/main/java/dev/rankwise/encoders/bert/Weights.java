package dev.rankwise.encoders.bert;

import java.util.Map;

/**
 * The floating-point tensors of a checkpoint by their names in the file, as float32, and the file
 * they came from, which every message about them names. Integer buffers (such as {@code
 * embeddings.position_ids}) are not weights and are not kept.
 *
 * @param source the file, for messages
 * @param tensors by name, in file order
 */
record Weights(String source, Map<String, Tensor> tensors) {

  /** A tensor's shape and its row-major values. */
  record Tensor(long[] shape, float[] values) {}
}
