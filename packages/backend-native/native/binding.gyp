{
  "variables": {
    "jpeg_include%": "<!(node ../scripts/find-jpeg.mjs)"
  },
  "targets": [
    {
      "target_name": "ssdet_native",
      "sources": [
        "addon.cc",
        "dnnl_context.cc",
        "attrs.cc",
        "op_codes.cc",
        "convolution.cc",
        "matmul.cc",
        "optimizer_updates.cc",
        "pooling.cc",
        "batch_norm.cc",
        "layer_norm.cc",
        "elementwise.cc",
        "reduction.cc",
        "softmax.cc",
        "dropout.cc",
        "soft_target_cross_entropy.cc",
        "data_movement.cc",
        "deformable_sampling.cc",
        "threads.cc",
        "proposals_sort.cc",
        "proposals_segmentation.cc",
        "proposals_edge_boxes.cc",
        "data_float_images.cc",
        "data_pil_images.cc",
        "data_jpeg_decode.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-ffp-contract=off", "-fexceptions", "-frtti", "-fopenmp"],
      "libraries": ["-ldnnl", "-fopenmp"],
      "ldflags": ["-Wl,-rpath,'$$ORIGIN'"],
      "conditions": [
        [
          "jpeg_include!=''",
          {
            "defines": ["SSDET_HAVE_JPEG"],
            "libraries": ["-ljpeg"],
            "conditions": [
              [
                "jpeg_include!='/usr/include'",
                {
                  "include_dirs": ["<(jpeg_include)"],
                  "libraries": ["-L<(jpeg_include)/../lib"]
                }
              ]
            ]
          }
        ]
      ]
    }
  ]
}
