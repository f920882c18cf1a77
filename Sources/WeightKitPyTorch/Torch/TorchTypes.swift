import WeightKitCheckpoints

/// The globals a `torch.save` pickle of tensors names, and what each stands for. This table is
/// the allowlist of the restricted unpickler: a global missing here is refused.
enum TorchGlobals {
    /// Legacy typed storage classes (`torch.FloatStorage`, ...): the persistent id's storage type.
    /// `nil` marks a storage WeightKit recognises but cannot represent (quantised, complex128).
    static let storageTypes: [String: DType?] = [
        "torch.DoubleStorage": .f64, "torch.FloatStorage": .f32, "torch.HalfStorage": .f16,
        "torch.BFloat16Storage": .bf16, "torch.LongStorage": .i64, "torch.IntStorage": .i32,
        "torch.ShortStorage": .i16, "torch.CharStorage": .i8, "torch.ByteStorage": .u8,
        "torch.BoolStorage": .bool, "torch.ComplexFloatStorage": .c64,
        // Untyped storage (torch >= 2.1 for dtypes without a legacy class): sizes in bytes.
        "torch.storage.UntypedStorage": .u8,
        "torch.ComplexDoubleStorage": nil, "torch.QInt8Storage": nil, "torch.QUInt8Storage": nil,
        "torch.QInt32Storage": nil, "torch.QUInt4x2Storage": nil, "torch.QUInt2x4Storage": nil,
    ]

    /// `torch.<dtype>` globals, passed to `_rebuild_tensor_v3`.
    static let dtypes: [String: DType] = [
        "torch.float64": .f64, "torch.float32": .f32, "torch.float16": .f16, "torch.bfloat16": .bf16,
        "torch.int64": .i64, "torch.int32": .i32, "torch.int16": .i16, "torch.int8": .i8,
        "torch.uint64": .u64, "torch.uint32": .u32, "torch.uint16": .u16, "torch.uint8": .u8,
        "torch.bool": .bool, "torch.complex64": .c64,
        "torch.float8_e4m3fn": .f8e4m3, "torch.float8_e5m2": .f8e5m2,
        "torch.float8_e4m3fnuz": .f8e4m3fnuz, "torch.float8_e5m2fnuz": .f8e5m2fnuz,
        "torch.float8_e8m0fnu": .f8e8m0,
    ]

    /// Callables, by what calling them makes.
    static let orderedDict = "collections.OrderedDict"
    static let rebuildTensor = "torch._utils._rebuild_tensor"
    static let rebuildTensorV2 = "torch._utils._rebuild_tensor_v2"
    static let rebuildTensorV3 = "torch._utils._rebuild_tensor_v3"
    static let rebuildParameter = "torch._utils._rebuild_parameter"
    static let rebuildParameterWithState = "torch._utils._rebuild_parameter_with_state"
    static let callables: Set<String> = [
        orderedDict, rebuildTensor, rebuildTensorV2, rebuildTensorV3, rebuildParameter, rebuildParameterWithState,
    ]

    static func isAllowed(_ qualified: String) -> Bool {
        callables.contains(qualified) || storageTypes[qualified] != nil || dtypes[qualified] != nil
    }
}
