"""The segmentation methods: RFM, K-means, rules and any scikit-learn clusterer, each answering `Method`.

    from segmentation.methods import kmeans, rfm, rules
    from segmentation.methods.registry import Method, register_method   # a method of your own
"""
