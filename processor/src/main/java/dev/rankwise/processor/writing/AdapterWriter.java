package dev.rankwise.processor.writing;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.ParameterizedTypeName;
import com.palantir.javapoet.TypeName;
import com.palantir.javapoet.TypeSpec;
import com.palantir.javapoet.WildcardTypeName;
import dev.rankwise.processor.model.Declaration;
import dev.rankwise.processor.model.Declaration.AdapterDeclaration;
import dev.rankwise.processor.model.Declaration.FieldDeclaration;
import dev.rankwise.processor.model.Declaration.LoraDeclaration;
import dev.rankwise.processor.model.Declaration.RankExpertsDeclaration;
import dev.rankwise.processor.model.Declaration.RouterDeclaration;
import javax.lang.model.element.Element;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;

/**
 * Writes {@code Outer_Foo_Adapter}: the validated declaration as constants (each adapter's config
 * and the task routing) and the typed entry points (attach, load) that delegate to the runtime.
 */
public final class AdapterWriter {

  private final GeneratedFiles files;

  /** Creates a writer that emits through {@code files}. */
  public AdapterWriter(GeneratedFiles files) {
    this.files = files;
  }

  /** Writes the adapter class of a declaration. */
  public void write(Declaration declaration) {
    ClassName name = GeneratedNames.adapter(declaration);
    CodeBlock source = sourceReference(declaration);
    GeneratedNames.Constants constants = new GeneratedNames.Constants();
    TypeSpec.Builder type =
        TypeSpec.classBuilder(name)
            .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
            .addJavadoc("Adapters declared by $L: attach them to a model, then train, merge and\n"
                + "save them through the returned {@link $T}.\n", source, TypeNames.ADAPTED_MODEL)
            .addOriginatingElement(declaration.type());
    files.generatedAnnotation().ifPresent(type::addAnnotation);

    CodeBlock.Builder spec = CodeBlock.builder()
        .add("$T.builder($S)", TypeNames.ADAPTER_SPEC, declaration.canonicalName()).indent();
    if (declaration.typeAdapter().isPresent()) {
      AdapterDeclaration adapter = declaration.typeAdapter().get();
      String constant = constants.of(adapter instanceof LoraDeclaration ? "LORA" : "RANK_EXPERTS");
      type.addField(configField(constant, adapter, "The {@code @$L} declared on $L.\n", source));
      spec.add("\n.target($N", constant);
      adapter.targets().forEach(target -> spec.add(", $S", target));
      spec.add(")");
    }
    String taskRouter = declaration.router().map(router -> {
      String constant = constants.of("TASK_ROUTER");
      type.addField(taskRouterField(constant, router, source));
      return constant;
    }).orElse(null);
    for (FieldDeclaration field : declaration.fields()) {
      String constant = constants.of(field.name());
      type.addField(configField(constant, field.adapter(),
          "The {@code @$L} declared on $L.\n",
          CodeBlock.of("{@link $T#$L}", ClassName.get(declaration.type()), field.name())));
      spec.add("\n.field($S, $N)", field.name(), constant);
    }
    if (taskRouter != null) {
      spec.add("\n.optTaskRouter($N)", taskRouter);
    }
    spec.add("\n.build()").unindent();
    type.addField(FieldSpec.builder(TypeNames.ADAPTER_SPEC, "SPEC", Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
        .addJavadoc("The whole declaration of $L, as the runtime reads it.\n", source)
        .initializer(spec.build())
        .build());
    type.addMethod(MethodSpec.constructorBuilder().addModifiers(Modifier.PRIVATE).build());

    if (declaration.fields().isEmpty()) {
      addTypeLevelEntryPoints(type);
    } else {
      addFieldEntryPoints(type, declaration);
    }
    files.write(declaration.packageName(), type.build());
  }

  private static FieldSpec configField(
      String constant, AdapterDeclaration adapter, String javadoc, CodeBlock source) {
    boolean lora = adapter instanceof LoraDeclaration;
    return FieldSpec.builder(
            lora ? TypeNames.LORA_CONFIG : TypeNames.RANK_EXPERTS_CONFIG,
            constant, Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
        .addJavadoc(javadoc, lora ? "Lora" : "RankExperts", source)
        .initializer(config(adapter))
        .build();
  }

  /** The {@code @TaskRouter} as a constant: its task names, whose index is a task's id. */
  private static FieldSpec taskRouterField(
      String constant, RouterDeclaration router, CodeBlock source) {
    CodeBlock tasks = router.tasks().stream()
        .map(task -> CodeBlock.of("$S", task))
        .collect(CodeBlock.joining(", "));
    return FieldSpec.builder(TypeNames.TASK_ROUTER_CONFIG, constant,
            Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
        .addJavadoc(
            "The {@code @TaskRouter} declared on $L.\nA task's id is its index in the tasks.\n", source)
        .initializer("new $T($T.of($L), $L, $L)", TypeNames.TASK_ROUTER_CONFIG, TypeNames.LIST,
            tasks, router.adaptive(), Double.toString(router.contrastive()))
        .build();
  }

  /**
   * A Javadoc reference to the annotated type: a link, or its name as code when the type is nested
   * in a private type (importing it for the link would not compile).
   */
  static CodeBlock sourceReference(Declaration declaration) {
    for (Element type = declaration.type(); type instanceof TypeElement;
        type = type.getEnclosingElement()) {
      if (type.getModifiers().contains(Modifier.PRIVATE)) {
        return CodeBlock.of("{@code $L}", declaration.canonicalName());
      }
    }
    return CodeBlock.of("{@link $T}", ClassName.get(declaration.type()));
  }

  /** A config builder call with only the values that differ from the DSL's defaults. */
  private static CodeBlock config(AdapterDeclaration adapter) {
    CodeBlock.Builder code = CodeBlock.builder();
    if (adapter instanceof LoraDeclaration lora) {
      code.add("$T.builder().setRanks($L, $L)", TypeNames.LORA_CONFIG, lora.rankA(), lora.rankB());
      optional(code, "optAlpha", lora.alpha(), 0);
      optional(code, "optDropout", lora.dropout(), 0);
      if (!lora.mixer().equals("LEARNED")) {
        code.add(".optMixer($T.$L)", TypeNames.MIXER, lora.mixer());
      }
      if (lora.rsLora()) {
        code.add(".optRsLora(true)");
      }
      if (lora.perTask()) {
        code.add(".optPerTask(true)");
      }
    } else {
      RankExpertsDeclaration experts = (RankExpertsDeclaration) adapter;
      code.add("$T.builder().setExperts($L, $L)",
          TypeNames.RANK_EXPERTS_CONFIG, experts.count(), experts.topK());
      optional(code, "optAlpha", experts.alpha(), 0);
      optional(code, "optDropout", experts.dropout(), 0);
      optional(code, "optBalance", experts.balance(), 0.01);
    }
    return code.add(".build()").build();
  }

  private static void optional(CodeBlock.Builder code, String method, double value, double defaultValue) {
    if (value != defaultValue) {
      code.add(".$L($L)", method, Double.toString(value));
    }
  }

  private static void addTypeLevelEntryPoints(TypeSpec.Builder type) {
    type.addMethod(attachMethod(TypeNames.MODEL, "model", "the model's block")
        .addStatement("return SPEC.attach(model)")
        .build());
    type.addMethod(attachMethod(TypeNames.BLOCK, "block", "a block tree")
        .addStatement("return SPEC.attach(block)")
        .build());
    type.addMethod(loadMethod(TypeNames.BLOCK, "return SPEC.load(block, directory)"));
  }

  private static MethodSpec.Builder attachMethod(TypeName parameter, String name, String target) {
    return MethodSpec.methodBuilder("attach")
        .addJavadoc("Attaches the adapters to " + target + " and freezes everything else.\n")
        .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
        .returns(TypeNames.ADAPTED_MODEL)
        .addParameter(parameter, name);
  }

  /** The same delegates, typed to the declaring block class: the runtime re-points its fields. */
  private static void addFieldEntryPoints(TypeSpec.Builder type, Declaration declaration) {
    TypeName blockType = blockType(declaration);
    type.addMethod(attachMethod(blockType, "block", "the annotated fields of {@code block}")
        .addStatement("return SPEC.attach(block)")
        .build());
    type.addMethod(loadMethod(blockType, "return SPEC.load(block, directory)"));
  }

  private static MethodSpec loadMethod(TypeName blockType, String statement) {
    return MethodSpec.methodBuilder("load")
        .addJavadoc("Attaches the adapters and loads their weights saved in {@code directory}.\n")
        .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
        .returns(TypeNames.ADAPTED_MODEL)
        .addParameter(blockType, "block")
        .addParameter(TypeNames.PATH, "directory")
        .addException(TypeNames.IO_EXCEPTION)
        .addStatement(statement)
        .build();
  }

  private static TypeName blockType(Declaration declaration) {
    ClassName raw = ClassName.get(declaration.type());
    int parameters = declaration.type().getTypeParameters().size();
    if (parameters == 0) {
      return raw;
    }
    TypeName[] wildcards = new TypeName[parameters];
    java.util.Arrays.fill(wildcards, WildcardTypeName.subtypeOf(Object.class));
    return ParameterizedTypeName.get(raw, wildcards);
  }
}
