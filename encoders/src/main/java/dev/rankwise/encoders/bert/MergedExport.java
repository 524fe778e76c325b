package dev.rankwise.encoders.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import com.google.gson.GsonBuilder;
import dev.rankwise.runtime.AdapterLayer;
import dev.rankwise.runtime.io.AtomicFiles;
import dev.rankwise.runtime.io.FloatTensor;
import dev.rankwise.runtime.io.SafetensorsWriter;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.model.BlockPaths;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a fine-tuned encoder — a base with its adapters merged — as a Hugging Face model folder that
 * transformers, sentence-transformers and {@link BertEncoder#fromFolder} read: {@code config.json}
 * ({@link BertConfig#toHuggingFace}), {@code model.safetensors} (F32, every parameter under the name
 * {@code save_pretrained} gives it in a bare {@code BertModel}, {@code RobertaModel} or {@code
 * DistilBertModel}: its block path and parameter name, no prefix — the names {@link WeightBinding}
 * reads — and BERT's pooler from the base when the base has one) and {@code tokenizer.json} (the
 * base's own file: a folder's, or a shipped base's jar resource), and the base's pooling as
 * sentence-transformers files ({@link Pooling#writeSentenceTransformers}), so that {@link
 * BertEncoder#open} and sentence-transformers read the folder with it, a prefix (e5's {@code
 * "query: "}) as its default prompt. Each file is written atomically.
 */
public final class MergedExport {

  private static final Logger LOG = LoggerFactory.getLogger(MergedExport.class);
  private static final String[] POOLER = {"pooler.dense.weight", "pooler.dense.bias"};

  private MergedExport() {}

  /**
   * Merges the adapters into the base and writes it: {@link AdaptedModel#mergeAndUnload()}, or
   * {@link AdaptedModel#mergeAndUnload(String)} for one task of a task-routed declaration. The
   * adapted model is spent afterwards, as merging and unloading leaves it.
   *
   * @param base the encoder the adapted model's block came from ({@link BertEncoder#newBlock})
   * @param task the task to merge, or null to merge every adapter
   * @throws IllegalStateException if the adapters do not merge (see {@code mergeAndUnload})
   */
  public static void write(BertEncoder base, AdaptedModel adapted, String task, Path folder) throws IOException {
    Block block = task == null ? adapted.mergeAndUnload() : adapted.mergeAndUnload(task);
    if (!(block instanceof BertModel model)) {
      throw new IllegalArgumentException("the adapted block is a " + block.getClass().getSimpleName()
          + ", not a BertModel of " + base.name());
    }
    write(base, model, folder);
  }

  /**
   * Writes a plain (merged and unloaded) model of {@code base}'s config as a Hugging Face folder.
   *
   * @throws IllegalArgumentException if the model still holds adapters or is not of the base's config
   */
  public static void write(BertEncoder base, BertModel model, Path folder) throws IOException {
    if (!model.config().equals(base.config())) {
      throw new IllegalArgumentException("the model's config " + model.config() + " is not the base's "
          + base.config() + " (" + base.name() + ")");
    }
    Map<String, FloatTensor> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, Block> block : BlockPaths.of(model).entrySet()) {
      if (block.getValue() instanceof AdapterLayer) {
        throw new IllegalArgumentException("layer '" + block.getKey() + "' still holds an adapter: merge and"
            + " unload first (AdaptedModel.mergeAndUnload), so the folder holds the fine-tuned weights");
      }
      for (Pair<String, Parameter> parameter : block.getValue().getDirectParameters()) {
        NDArray array = parameter.getValue().getArray();
        tensors.put(block.getKey() + "." + parameter.getKey(),
            new FloatTensor(array.getShape().getShape(), array.toFloatArray()));
      }
    }
    Map<String, Weights.Tensor> weights = base.weights().tensors();
    String prefix = base.config().layout().checkpointPrefix();
    for (String pooler : POOLER) {
      Weights.Tensor tensor = weights.containsKey(pooler) ? weights.get(pooler) : weights.get(prefix + pooler);
      if (tensor != null) {
        tensors.put(pooler, new FloatTensor(tensor.shape(), tensor.values()));
      }
    }
    AtomicFiles.createDirectories(folder);
    String config = new GsonBuilder().setPrettyPrinting().create().toJson(base.config().toHuggingFace());
    AtomicFiles.write(folder.resolve("config.json"), config + "\n");
    SafetensorsWriter.write(folder.resolve("model.safetensors"), tensors);
    AtomicFiles.write(folder.resolve("tokenizer.json"), base.tokenizerJson());
    base.pooling().writeSentenceTransformers(folder, base.config().hidden());
    LOG.info("wrote {} with its adapters merged to {} ({} tensors; pooling {} declared for sentence-transformers)",
        base.name(), folder, tensors.size(), base.pooling());
  }
}
