package dev.rankwise.runtime.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.util.Pair;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A tiny "pretrained" text encoder for the tests: texts become 8 numbers from their characters,
 * and a two-layer block with fixed weights (paths {@code 0} and {@code 2}) maps them to 16
 * features. Every copy has the same weights, as a real pretrained model's copies do.
 */
final class ToyEncoder implements TextEncoder {

  static final int WIDTH = 8;
  static final int FEATURES = 16;

  /** The settings a toy encoder reports unless told otherwise. */
  static final Map<String, Object> SETTINGS = Map.of("pooling", "mean", "max_length", 16);

  private final String name;
  private final Map<String, Object> settings;

  ToyEncoder() {
    this("test/toy-encoder");
  }

  ToyEncoder(String name) {
    this(name, SETTINGS);
  }

  ToyEncoder(String name, Map<String, Object> settings) {
    this.name = name;
    this.settings = settings;
  }

  @Override
  public Map<String, Object> settings() {
    return settings;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Block newBlock(NDManager manager) {
    SequentialBlock block = new SequentialBlock()
        .add(Linear.builder().setUnits(FEATURES).build())
        .add(Activation::tanh)
        .add(Linear.builder().setUnits(FEATURES).build());
    block.initialize(manager, DataType.FLOAT32, new Shape(1, WIDTH));
    Random random = new Random(11);
    for (Pair<String, Parameter> parameter : block.getParameters()) {
      NDArray array = parameter.getValue().getArray();
      float[] values = new float[Math.toIntExact(array.size())];
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) (random.nextGaussian() * 0.5);
      }
      array.set(values);
    }
    return block;
  }

  @Override
  public long features() {
    return FEATURES;
  }

  @Override
  public TextInputs inputs() {
    return ToyEncoder::encode;
  }

  /** Each text's characters, folded into 8 numbers in [-1, 1]. */
  static NDList encode(NDManager manager, List<String> texts) {
    float[] rows = new float[texts.size() * WIDTH];
    for (int row = 0; row < texts.size(); row++) {
      String text = texts.get(row);
      for (int i = 0; i < text.length(); i++) {
        rows[row * WIDTH + i % WIDTH] += ((text.charAt(i) * 31 + i) % 17 - 8) / 8f;
      }
      for (int j = 0; j < WIDTH; j++) {
        rows[row * WIDTH + j] = (float) Math.tanh(rows[row * WIDTH + j]);
      }
    }
    return new NDList(manager.create(rows, new Shape(texts.size(), WIDTH)));
  }
}
