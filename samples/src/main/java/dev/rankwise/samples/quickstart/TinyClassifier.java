package dev.rankwise.samples.quickstart;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.rankwise.annotations.Lora;
import dev.rankwise.annotations.Mixer;

/**
 * A user's existing DJL model class: a two-layer classifier. The {@code @Lora} fields are all it
 * takes; the processor generates {@code TinyClassifier_Adapter}, which swaps exactly these two
 * layers for adapters.
 */
public class TinyClassifier extends AbstractBlock {

  private static final byte VERSION = 1;

  /** Decomposed LoRA with an asymmetric split: A' is 4 × in, T is 8 × 4, B' is hidden × 8. */
  @Lora(rankA = 4, rankB = 8)
  Linear hidden;

  /** Plain LoRA (T fixed to the identity), stored with PEFT's key names. */
  @Lora(rankA = 2, rankB = 2, mixer = Mixer.IDENTITY)
  Linear output;

  /**
   * Creates the classifier.
   *
   * @param hiddenUnits width of the hidden layer
   * @param classes number of classes
   */
  public TinyClassifier(int hiddenUnits, int classes) {
    super(VERSION);
    hidden = addChildBlock("hidden", Linear.builder().setUnits(hiddenUnits).build());
    output = addChildBlock("output", Linear.builder().setUnits(classes).build());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    NDList hiddenState = Activation.relu(hidden.forward(parameterStore, inputs, training, params));
    return output.forward(parameterStore, hiddenState, training, params);
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    hidden.initialize(manager, dataType, inputShapes);
    output.initialize(manager, dataType, hidden.getOutputShapes(inputShapes));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return output.getOutputShapes(hidden.getOutputShapes(inputShapes));
  }
}
