package plain;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in a JVM without rankwise: builds a fresh {@link TwoTower}, loads parameters saved with DJL's
 * {@code saveParameters}, and writes its outputs for saved inputs. Arguments: parameters file,
 * inputs file, outputs file, then the tower's input width, width and classes. Arrays are files of
 * an int count and as many floats; inputs are rows of the input width.
 */
public final class LoadWithoutRankwise {

  private LoadWithoutRankwise() {}

  public static void main(String[] args) throws Exception {
    try {
      Class.forName("dev.rankwise.runtime.model.AdaptedModel");
      System.err.println("rankwise is on this JVM's class path");
      System.exit(3);
    } catch (ClassNotFoundException expected) {
      // as a user's plain DJL application
    }
    int in = Integer.parseInt(args[3]);
    try (NDManager manager = NDManager.newBaseManager()) {
      TwoTower tower = TwoTower.initialised(manager, in, Integer.parseInt(args[4]), Integer.parseInt(args[5]));
      try (DataInputStream parameters = new DataInputStream(Files.newInputStream(Path.of(args[0])))) {
        tower.loadParameters(manager, parameters);
      }
      float[] values = read(Path.of(args[1]));
      NDArray inputs = manager.create(values, new Shape(values.length / in, in));
      NDArray outputs = tower.forward(new ParameterStore(manager, false), new NDList(inputs), false)
          .singletonOrThrow();
      write(Path.of(args[2]), outputs.toFloatArray());
    }
  }

  /** Reads an int count and as many floats. */
  public static float[] read(Path file) throws Exception {
    try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
      float[] values = new float[in.readInt()];
      for (int i = 0; i < values.length; i++) {
        values[i] = in.readFloat();
      }
      return values;
    }
  }

  /** Writes an int count and the floats. */
  public static void write(Path file, float[] values) throws Exception {
    try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(file))) {
      out.writeInt(values.length);
      for (float value : values) {
        out.writeFloat(value);
      }
    }
  }
}
