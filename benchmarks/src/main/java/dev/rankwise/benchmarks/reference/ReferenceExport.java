package dev.rankwise.benchmarks.reference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.rankwise.benchmarks.Setup;
import dev.rankwise.benchmarks.workload.Workload;
import dev.rankwise.runtime.AdapterConfig;
import dev.rankwise.runtime.experts.RankExpertsConfig;
import dev.rankwise.runtime.model.BlockPaths;
import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.train.TaskHeads;
import dev.rankwise.runtime.train.TrainingConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Hands a setup to the PyTorch reference ({@code benchmarks/reference/pytorch_reference.py}):
 * {@code <name>.safetensors} with every weight of the adapted model under its block path (the
 * base's Hugging Face names, adapters as {@code <layer>.lora_A} …), the head, the batch and this
 * side's features on it; and {@code <name>.json} with what the script must mirror (adapter kind,
 * scaling, routing, optimizer). The script's README is its docstring.
 */
public final class ReferenceExport {

  private ReferenceExport() {}

  /**
   * Writes the two files.
   *
   * @param heads the setup's heads; the first task's becomes {@code head.*}
   * @param features this side's features (batch, width) on {@code input}, eval mode, unmerged
   * @return the path prefix the script takes as {@code --export}
   */
  public static Path write(Path directory, Setup setup, AdaptedModel model, TaskHeads heads, NDArray input,
      NDArray labels, NDArray taskIds, NDArray features, TrainingConfig config) throws IOException {
    Files.createDirectories(directory);
    NDList tensors = new NDList();
    for (Map.Entry<String, Block> block : BlockPaths.of(model.block()).entrySet()) {
      for (var parameter : block.getValue().getDirectParameters()) {
        tensors.add(named(parameter.getValue().getArray(), block.getKey() + "." + parameter.getKey()));
      }
    }
    String prefix = "heads." + heads.tasks().get(0) + ".";
    for (Map.Entry<String, Parameter> parameter : heads.namedParameters().entrySet()) {
      if (parameter.getKey().startsWith(prefix)) {
        tensors.add(named(parameter.getValue().getArray(), "head." + parameter.getKey().substring(prefix.length())));
      }
    }
    tensors.add(named(input, "input"));
    tensors.add(named(labels, "labels"));
    tensors.add(named(taskIds, "task_ids"));
    tensors.add(named(features, "expected.features"));
    Path prefixPath = directory.resolve(setup.id());
    try (OutputStream out = Files.newOutputStream(Path.of(prefixPath + ".safetensors"))) {
      tensors.encode(out, NDList.Encoding.SAFETENSORS);
    }
    Files.writeString(Path.of(prefixPath + ".json"), spec(setup, model, config), StandardCharsets.UTF_8);
    tensors.close();
    return prefixPath;
  }

  private static NDArray named(NDArray array, String name) {
    NDArray copy = array.duplicate();
    copy.setName(name);
    return copy;
  }

  private static String spec(Setup setup, AdaptedModel model, TrainingConfig config) {
    JsonObject spec = new JsonObject();
    spec.addProperty("name", setup.id());
    spec.addProperty("workload", setup.workload().name().toLowerCase(Locale.ROOT));
    if (setup.workload() == Workload.STACK) {
      spec.addProperty("stackLayers", Workload.STACK_LAYERS);
    }
    AdapterConfig first = model.layers().values().iterator().next().config();
    JsonObject adapter = new JsonObject();
    if (first instanceof LoraConfig lora) {
      adapter.addProperty("kind", "lora");
      adapter.addProperty("scaling", lora.scaling());
    } else if (first instanceof RankExpertsConfig experts) {
      adapter.addProperty("kind", "experts");
      adapter.addProperty("scaling", experts.scaling());
      adapter.addProperty("topK", experts.topK());
      adapter.addProperty("count", experts.count());
      adapter.addProperty("routing", setup.spec().taskRouter().isPresent() ? "task" : "token");
      adapter.addProperty("balance", experts.balance());
    } else {
      throw new IllegalArgumentException("the PyTorch reference has no " + first.kind() + " adapter");
    }
    spec.add("adapter", adapter);
    JsonArray layers = new JsonArray();
    model.layers().keySet().forEach(layers::add);
    spec.add("layers", layers);
    spec.addProperty("tasks", setup.tasks().size());
    JsonObject optimizer = new JsonObject();
    optimizer.addProperty("lr", config.learningRate());
    // rankwise's AdamW (runtime train/AdamW) fixes its betas and epsilon at these values.
    optimizer.addProperty("beta1", 0.9);
    optimizer.addProperty("beta2", 0.999);
    optimizer.addProperty("eps", 1e-8);
    optimizer.addProperty("weightDecay", config.weightDecay());
    optimizer.addProperty("maxGradNorm", config.maxGradNorm());
    spec.add("optimizer", optimizer);
    return new GsonBuilder().setPrettyPrinting().create().toJson(spec);
  }
}
