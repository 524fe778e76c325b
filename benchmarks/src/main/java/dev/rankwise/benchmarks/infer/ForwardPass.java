package dev.rankwise.benchmarks.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.rankwise.runtime.route.RoutedBlock;

/**
 * One inference forward pass of a model on a batch, as {@code predict} runs it: no gradients (the
 * caller's thread must have grad mode off), the pass's arrays in a manager of its own (docs/DESIGN.md §7:
 * results belong to the first operand), rows routed to their tasks where the adapters route.
 *
 * @param block the model
 * @param input the batch, kept; each pass works on a copy
 * @param taskIds each row's task, or null where nothing routes
 */
public record ForwardPass(Block block, NDArray input, NDArray taskIds) {

  /** A fresh copy of the batch in {@code pass}, the pass's own manager. */
  public NDArray batch(NDManager pass) {
    NDArray batch = input.duplicate();
    batch.attach(pass);
    return batch;
  }

  /** The model's output on {@code batch}, its arrays in {@code pass}. */
  public NDArray run(NDManager pass, NDArray batch) {
    ParameterStore store = new ParameterStore(pass, false);
    if (taskIds == null) {
      return block.forward(store, new NDList(batch), false).singletonOrThrow();
    }
    return new RoutedBlock(block).forward(store, new NDList(batch, taskIds), false).singletonOrThrow();
  }
}
