using System.Reflection;
using System.Reflection.Emit;

namespace NetMobility.Tests.Architecture;

/// <summary>
/// Every type a type refers to: in its base type, interfaces, fields, properties, method signatures, attributes,
/// and in the instructions of its method bodies (calls, field accesses, casts, allocations, tokens). Compiler-made
/// nested types (lambdas, iterators, async state machines) count as part of the type that holds them.
/// </summary>
internal static class TypeReferences
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private const BindingFlags Everything =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    public static IEnumerable<Type> Of(Type type)
    {
        var found = new HashSet<Type>();
        void Add(Type? t)
        {
            if (t is null) return;
            if (t.HasElementType) { Add(t.GetElementType()); return; }
            if (t.IsGenericParameter) return;
            if (t.IsGenericType && !t.IsGenericTypeDefinition)
            {
                foreach (var argument in t.GetGenericArguments()) Add(argument);
                t = t.GetGenericTypeDefinition();
            }
            found.Add(t);
        }
        void AddAttributes(IEnumerable<CustomAttributeData> attributes)
        {
            foreach (var attribute in attributes) Add(attribute.AttributeType);
        }

        Add(type.BaseType);
        foreach (var i in type.GetInterfaces()) Add(i);
        AddAttributes(type.CustomAttributes);
        foreach (var field in type.GetFields(Everything)) { Add(field.FieldType); AddAttributes(field.CustomAttributes); }
        foreach (var property in type.GetProperties(Everything)) Add(property.PropertyType);
        foreach (var e in type.GetEvents(Everything)) Add(e.EventHandlerType);
        var methods = type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything));
        foreach (var method in methods)
        {
            if (method is MethodInfo info) Add(info.ReturnType);
            foreach (var parameter in method.GetParameters()) Add(parameter.ParameterType);
            AddAttributes(method.CustomAttributes);
            foreach (var t in InBody(method)) Add(t);
        }
        foreach (var nested in type.GetNestedTypes(Everything))
            foreach (var t in Of(nested)) Add(t);
        return found;
    }

    private static IEnumerable<Type> InBody(MethodBase method)
    {
        var body = method.GetMethodBody();
        if (body is null) yield break;
        foreach (var local in body.LocalVariables) yield return local.LocalType;
        byte[]? il = body.GetILAsByteArray();
        if (il is null) yield break;
        var module = method.Module;
        Type[]? typeArguments = method.DeclaringType is { IsGenericType: true } d ? d.GetGenericArguments() : null;
        Type[]? methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        int at = 0;
        while (at < il.Length)
        {
            short value = il[at] == 0xFE ? (short)(0xFE00 | il[at + 1]) : il[at];
            at += il[at] == 0xFE ? 2 : 1;
            var opCode = OpCodesByValue[value];
            int operand = opCode.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, at),
                _ => 4,
            };
            if (opCode.OperandType is OperandType.InlineType or OperandType.InlineMethod or OperandType.InlineField or OperandType.InlineTok)
            {
                var member = Resolve(module, BitConverter.ToInt32(il, at), typeArguments, methodArguments);
                if (member is Type t) yield return t;
                else if (member is not null)
                {
                    if (member.DeclaringType is { } owner) yield return owner;
                    if (member is FieldInfo field) yield return field.FieldType;
                    if (member is MethodInfo m) yield return m.ReturnType;
                }
            }
            at += operand;
        }
    }

    private static MemberInfo? Resolve(Module module, int token, Type[]? typeArguments, Type[]? methodArguments)
    {
        try
        {
            return module.ResolveMember(token, typeArguments, methodArguments);
        }
        catch (ArgumentException)
        {
            return null; // a token into another module's generic context that this one cannot resolve
        }
    }
}
