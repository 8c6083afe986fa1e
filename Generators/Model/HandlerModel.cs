namespace CallbackGen.Generators.Model
{
    /// <summary>
    /// One [Callback] handler: the method to call, the event's ordinal in the catalogue, its
    /// resolved order (method's own, else the class's, else 0), its Every period (0 or 1: always)
    /// and whether it runs once per fit.
    /// </summary>
    internal sealed record HandlerModel(string MethodName, int EventIndex, int Order, int Every, bool Once);
}
