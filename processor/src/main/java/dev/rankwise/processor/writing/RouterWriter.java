package dev.rankwise.processor.writing;

import com.palantir.javapoet.ClassName;
import com.palantir.javapoet.CodeBlock;
import com.palantir.javapoet.FieldSpec;
import com.palantir.javapoet.MethodSpec;
import com.palantir.javapoet.TypeSpec;
import dev.rankwise.processor.model.Declaration;
import dev.rankwise.processor.model.Declaration.RouterDeclaration;
import javax.lang.model.element.Modifier;

/**
 * Writes {@code Outer_Foo_Router}: one enum constant per declared task, lookup by name, and the
 * routing settings the adapter class passes to the runtime.
 */
public final class RouterWriter {

  private final GeneratedFiles files;

  /** Creates a writer that emits through {@code files}. */
  public RouterWriter(GeneratedFiles files) {
    this.files = files;
  }

  /** Writes the router class of a declaration that has a {@code @TaskRouter}. */
  public void write(Declaration declaration) {
    RouterDeclaration router = declaration.router().orElseThrow();
    ClassName name = GeneratedNames.router(declaration);
    ClassName task = name.nestedClass("Task");
    CodeBlock source = AdapterWriter.sourceReference(declaration);

    TypeSpec.Builder tasks = TypeSpec.enumBuilder(task)
        .addModifiers(Modifier.PUBLIC)
        .addJavadoc("The tasks of $L, in declaration order; a task's id is its ordinal.\n", source);
    router.tasks().forEach(tasks::addEnumConstant);

    CodeBlock taskList = router.tasks().stream()
        .map(t -> CodeBlock.of("$S", t))
        .collect(CodeBlock.joining(", "));
    TypeSpec.Builder type = TypeSpec.classBuilder(name)
        .addModifiers(Modifier.PUBLIC, Modifier.FINAL)
        .addJavadoc("Task routing declared by $L.\n", source)
        .addOriginatingElement(declaration.type());
    files.generatedAnnotation().ifPresent(type::addAnnotation);
    type.addField(FieldSpec.builder(TypeNames.TASK_ROUTER_CONFIG, "CONFIG",
            Modifier.PUBLIC, Modifier.STATIC, Modifier.FINAL)
        .addJavadoc("The routing settings, as the runtime reads them.\n")
        .initializer("new $T($T.of($L), $L, $L)", TypeNames.TASK_ROUTER_CONFIG, TypeNames.LIST,
            taskList, router.adaptive(), Double.toString(router.contrastive()))
        .build())
        .addMethod(MethodSpec.constructorBuilder().addModifiers(Modifier.PRIVATE).build())
        .addMethod(MethodSpec.methodBuilder("task")
            .addJavadoc("The task of that name; an unknown name is an error that lists the valid ones.\n")
            .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
            .returns(task)
            .addParameter(String.class, "name")
            .addStatement("return $T.values()[CONFIG.taskId(name)]", task)
            .build())
        .addMethod(MethodSpec.methodBuilder("id")
            .addJavadoc("The task's id, the index the runtime routes rows by.\n")
            .addModifiers(Modifier.PUBLIC, Modifier.STATIC)
            .returns(int.class)
            .addParameter(task, "task")
            .addStatement("return task.ordinal()")
            .build())
        .addType(tasks.build());
    files.write(declaration.packageName(), type.build());
  }
}
