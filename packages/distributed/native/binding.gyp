{
  "targets": [
    {
      "target_name": "ssdet_mpi",
      "sources": ["mpi_addon.cc", "fusion.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "<!@(mpicxx --showme:compile)"],
      "libraries": ["<!@(mpicxx --showme:link)"]
    }
  ]
}
